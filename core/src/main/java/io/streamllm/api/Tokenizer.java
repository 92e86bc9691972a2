package io.streamllm.api;

import io.streamllm.model.ModelLoader;
import io.streamllm.tokenizer.TokenDecoder;

import java.nio.file.Path;

/**
 * Text to token ids and back, as the model file defines it.
 * Implementations: SentencePiece-style BPE with scores (GGUF "llama"), Hugging Face tokenizer.json
 * BPE, and GPT-2 byte-level BPE (GGUF "gpt2").
 */
public interface Tokenizer {

    /**
     * Only the tokenizer of the model at {@code path}, without its weights: from a GGUF file's metadata (so a
     * vocabulary-only file such as llama.cpp's {@code ggml-vocab-*.gguf} will do) or from a Hugging Face
     * directory's tokenizer files.
     *
     * @param path a GGUF file or a Hugging Face model directory
     * @return its tokenizer
     *
     * @throws ModelFormatException when the file is missing, truncated or foreign, or has no vocabulary
     */
    static Tokenizer load(Path path) {
        return ModelLoader.loadTokenizer(path);
    }

    /**
     * Encodes {@code text}. When {@code addBos} is true and the model adds a BOS token, it comes first.
     * With {@code parseSpecial}, the text of special tokens (e.g. {@code <|eot_id|>}) becomes those tokens;
     * otherwise it is encoded as plain text.
     *
     * @param text         the text
     * @param addBos       whether to start with BOS (when the model has one)
     * @param parseSpecial whether special-token text becomes special tokens
     * @return the token ids
     */
    default int[] encode(String text, boolean addBos, boolean parseSpecial) {
        return encode(text, addBos, parseSpecial ? LiteralSpans.none() : LiteralSpans.whole(text.length()));
    }

    /**
     * Encodes {@code text} with special tokens parsed outside {@code literal} only: a rendered chat, whose
     * template markup is special-token text and whose message content is plain text. The text is encoded
     * as one piece, so the ids are those of {@link #encode(String, boolean, boolean) encode(text, addBos, true)}
     * wherever the literal stretches hold no special-token text.
     *
     * @param text    the text
     * @param addBos  whether to start with BOS (when the model has one)
     * @param literal the stretches of {@code text} encoded as plain text
     * @return the token ids
     */
    int[] encode(String text, boolean addBos, LiteralSpans literal);

    /**
     * Encodes plain user text, with BOS first when the model adds one, and special-token text kept as text.
     *
     * @param text the text
     * @return the token ids
     */
    default int[] encode(String text) {
        return encode(text, true, false);
    }

    /**
     * The exact bytes token {@code id} stands for in decoded text: a byte-fallback token gives its byte,
     * a word piece its UTF-8 text with the word-boundary marker turned into a space, a control token
     * (BOS, EOS, ...) nothing.
     *
     * @param id a token id
     * @return its bytes; empty for a control token
     */
    byte[] decodeBytes(int id);

    /**
     * The text token {@code id} decodes to when its bytes are whole UTF-8 characters on their own, else
     * null (a byte-fallback token, part of a character). The same String every time, so that streaming
     * text token by token allocates nothing for most tokens.
     *
     * @param id a token id
     * @return its text, or null when it is not whole characters
     */
    default String decodedText(int id) {
        return null;
    }

    /**
     * Decodes a whole sequence that starts a text: control tokens give nothing, and the leading space of
     * the first piece is stripped when {@link #stripsLeadingSpace()} says so. Incomplete or invalid UTF-8
     * becomes U+FFFD. Text that arrives token by token is decoded by the session's {@code generate}.
     *
     * @param ids token ids
     * @return the text
     */
    default String decode(int[] ids) {
        TokenDecoder decoder = new TokenDecoder(this, true);
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            text.append(decoder.append(id));
        }
        return text.append(decoder.flush()).toString();
    }

    /**
     * The token's piece as stored in the vocabulary (for display and debugging).
     *
     * @param id a token id
     * @return its piece
     */
    String piece(int id);

    /** {@return the number of tokens in the vocabulary; ids run from 0 to one less} */
    int vocabularySize();

    /** {@return the special token ids (BOS, EOS, end of generation)} */
    SpecialTokens specials();

    /**
     * Whether the decoder drops one leading space from the very first piece of a text
     * (SentencePiece's dummy prefix; the Strip decoder of HF tokenizers).
     *
     * @return whether it does
     */
    boolean stripsLeadingSpace();
}
