package io.streamllm.tokenizer;

import java.util.function.IntFunction;

/** What every tokenizer over a {@link Vocabulary} shares: the pieces, the special tokens, the decoded bytes. */
abstract class VocabularyTokenizer implements Tokenizer {
    protected final Vocabulary vocabulary;
    protected final SpecialTokens specials;
    private final byte[][] decodedBytes;

    /** @param decodeToken the bytes token {@code id} stands for in decoded text; computed once per token */
    VocabularyTokenizer(Vocabulary vocabulary, SpecialTokens specials, IntFunction<byte[]> decodeToken) {
        this.vocabulary = vocabulary;
        this.specials = specials;
        this.decodedBytes = new byte[vocabulary.size()][];
        for (int id = 0; id < vocabulary.size(); id++) {
            decodedBytes[id] = decodeToken.apply(id);
        }
    }

    @Override
    public byte[] decodeBytes(int id) {
        vocabulary.type(id); // range check with a clear message
        return decodedBytes[id].clone();
    }

    @Override
    public String piece(int id) {
        return vocabulary.piece(id);
    }

    @Override
    public int vocabularySize() {
        return vocabulary.size();
    }

    @Override
    public SpecialTokens specials() {
        return specials;
    }
}
