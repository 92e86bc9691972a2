package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;
import io.streamllm.gguf.GgufMetadata;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Creates the tokenizer a model file or directory describes. */
public final class Tokenizers {
    private static final String MODEL = "tokenizer.ggml.model";
    private static final String TOKENS = "tokenizer.ggml.tokens";
    private static final String TOKEN_TYPES = "tokenizer.ggml.token_type";
    private static final String SCORES = "tokenizer.ggml.scores";
    private static final String MERGES = "tokenizer.ggml.merges";
    private static final String PRE_TOKENIZER = "tokenizer.ggml.pre";

    private Tokenizers() {
    }

    /**
     * The tokenizer of a GGUF file, chosen by {@code tokenizer.ggml.model}: "llama" (SentencePiece-style
     * BPE with scores) or "gpt2" (byte-level BPE with merges).
     */
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        if (!metadata.has(MODEL)) {
            throw new ModelFormatException("the model file has no tokenizer (metadata key '" + MODEL + "' is missing)");
        }
        String model = metadata.getString(MODEL);
        return switch (model) {
            case "llama" -> sentencePiece(metadata);
            case "gpt2" -> byteLevelBpe(metadata);
            default -> throw new ModelFormatException("unsupported tokenizer " + Quote.of(model) + " (supported: llama, gpt2)");
        };
    }

    /**
     * The tokenizer of a Hugging Face model directory: {@code tokenizer.json} (a BPE model), with the
     * special tokens of {@code tokenizer_config.json}, {@code config.json} and {@code generation_config.json}.
     */
    public static Tokenizer fromHuggingFace(Path modelDirectory) {
        return HuggingFaceTokenizerLoader.load(modelDirectory);
    }

    private static SentencePieceTokenizer sentencePiece(GgufMetadata metadata) {
        Vocabulary vocabulary = readVocabulary(metadata);
        float[] scores = metadata.has(SCORES) ? metadata.getFloatArray(SCORES) : new float[vocabulary.size()];
        requireLength(SCORES, scores.length, vocabulary.size());
        boolean addSpacePrefix = metadata.getBoolean("tokenizer.ggml.add_space_prefix", true);
        return new SentencePieceTokenizer(vocabulary, scores, addSpacePrefix,
                readSpecials(metadata, vocabulary, true), unknownId(metadata, vocabulary));
    }

    private static ByteLevelBpeTokenizer byteLevelBpe(GgufMetadata metadata) {
        Vocabulary vocabulary = readVocabulary(metadata);
        if (!metadata.has(MERGES)) {
            throw new ModelFormatException("the gpt2 tokenizer has no merges (metadata key '" + MERGES + "' is missing)");
        }
        List<String[]> merges = new ArrayList<>();
        String[] rules = metadata.getStringArray(MERGES);
        for (int i = 0; i < rules.length; i++) {
            // The two pieces are separated by the first space after the first character (as llama.cpp reads them).
            int space = rules[i].indexOf(' ', 1);
            if (space < 0) {
                throw new ModelFormatException("merge " + i + " in '" + MERGES + "' is not two pieces separated by a space: "
                        + Quote.of(rules[i]));
            }
            merges.add(new String[]{rules[i].substring(0, space), rules[i].substring(space + 1)});
        }
        String pre = metadata.findString(PRE_TOKENIZER).orElse("default");
        // Llama 3 takes a word that is itself a token whole, and adds BOS unless told otherwise (as in llama.cpp).
        boolean llama3 = switch (pre) {
            case "llama3", "llama-v3", "llama-bpe" -> true;
            default -> false;
        };
        PreTokenizer preTokenizer = GgufPreTokenizers.named(pre);
        return new ByteLevelBpeTokenizer(vocabulary, merges, preTokenizer, llama3,
                readSpecials(metadata, vocabulary, llama3), unknownId(metadata, vocabulary));
    }

    private static Vocabulary readVocabulary(GgufMetadata metadata) {
        if (!metadata.has(TOKENS)) {
            throw new ModelFormatException("the tokenizer has no vocabulary (metadata key '" + TOKENS + "' is missing)");
        }
        String[] pieces = metadata.getStringArray(TOKENS);
        if (pieces.length == 0) {
            throw new ModelFormatException("the tokenizer's vocabulary '" + TOKENS + "' is empty");
        }
        TokenType[] types = new TokenType[pieces.length];
        if (metadata.has(TOKEN_TYPES)) {
            int[] codes = metadata.getIntArray(TOKEN_TYPES);
            requireLength(TOKEN_TYPES, codes.length, pieces.length);
            for (int i = 0; i < codes.length; i++) {
                types[i] = TokenType.fromGgufCode(codes[i]);
            }
        } else {
            Arrays.fill(types, TokenType.NORMAL);
        }
        return new Vocabulary(pieces, types);
    }

    private static SpecialTokens readSpecials(GgufMetadata metadata, Vocabulary vocabulary, boolean addBosByDefault) {
        int bos = tokenId(metadata, "tokenizer.ggml.bos_token_id", vocabulary);
        int eos = tokenId(metadata, "tokenizer.ggml.eos_token_id", vocabulary);
        int eot = tokenId(metadata, "tokenizer.ggml.eot_token_id", vocabulary);
        int eom = tokenId(metadata, "tokenizer.ggml.eom_token_id", vocabulary);
        boolean addBos = metadata.getBoolean("tokenizer.ggml.add_bos_token", addBosByDefault);
        return new SpecialTokens(bos, eos, EndOfGeneration.collect(vocabulary, eos, eot, eom), addBos);
    }

    private static int unknownId(GgufMetadata metadata, Vocabulary vocabulary) {
        int id = tokenId(metadata, "tokenizer.ggml.unknown_token_id", vocabulary);
        return id >= 0 ? id : vocabulary.firstOfType(TokenType.UNKNOWN);
    }

    /**
     * The token id stored under {@code key}, or -1 when absent. An id outside the vocabulary is ignored
     * with a warning, as llama.cpp does, so that such a model still runs.
     */
    private static int tokenId(GgufMetadata metadata, String key, Vocabulary vocabulary) {
        if (!metadata.has(key)) {
            return -1;
        }
        long id = metadata.getLong(key);
        if (id < 0 || id >= vocabulary.size()) {
            System.err.println("streamllm: warning: ignoring metadata " + Quote.of(key) + " = " + id
                    + ": not a token id (the vocabulary has " + vocabulary.size() + " tokens)");
            return -1;
        }
        return (int) id;
    }

    private static void requireLength(String key, int length, int vocabularySize) {
        if (length != vocabularySize) {
            throw new ModelFormatException("metadata " + Quote.of(key) + " has " + length + " entries for " + vocabularySize + " tokens");
        }
    }
}
