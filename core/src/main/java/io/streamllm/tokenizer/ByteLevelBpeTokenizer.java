package io.streamllm.tokenizer;

import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

import java.util.List;

/**
 * GPT-2 style byte-level BPE (GGUF {@code tokenizer.ggml.model = "gpt2"}), as llama.cpp runs it: special
 * tokens are cut out first, the rest is split into words by the model's pre-tokenizer regex, each word's
 * UTF-8 bytes are written in the {@link ByteLevelAlphabet}, and merges apply by rank within each word.
 */
public final class ByteLevelBpeTokenizer extends VocabularyTokenizer {
    private final BpeModel model;
    private final PreTokenizer preTokenizer;

    /**
     * @param preTokenizer splits plain text into words (see {@link PreTokenizer#LLAMA3_PATTERN} etc.)
     * @param ignoreMerges a word that is itself a token is taken whole (llama.cpp does so for Llama 3)
     */
    ByteLevelBpeTokenizer(Vocabulary vocabulary, List<String[]> merges, PreTokenizer preTokenizer,
                          boolean ignoreMerges, SpecialTokens specials, int unknownId) {
        super(vocabulary, specials, id -> vocabulary.textBytes(id, ByteLevelAlphabet::decode));
        this.model = new BpeModel(vocabulary, merges, unknownId, false, false, ignoreMerges);
        this.preTokenizer = preTokenizer;
    }

    @Override
    public int[] encode(String text, boolean addBos, LiteralSpans literal) {
        return encodeAroundSpecialTokens(text, addBos, literal, (fragment, first, afterToken, out) ->
                preTokenizer.split(fragment, first, word -> model.encodeWord(ByteLevelAlphabet.encode(word), out)));
    }

    /** Byte-level text keeps its spaces: a leading space is part of the first word. */
    @Override
    public boolean stripsLeadingSpace() {
        return false;
    }
}
