package io.streamllm.tokenizer;

import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * A Hugging Face {@code tokenizer.json} with a BPE model, run the way the {@code tokenizers} library runs
 * it: added tokens are cut out of the raw text, the rest is normalized, added tokens marked
 * "normalized" are cut out of the normalized text (their own text normalized too), the pre-tokenizer
 * splits words, BPE merges by rank within each word, and the post-processor's template adds BOS and the
 * like. Built by {@link Tokenizers#fromHuggingFace}.
 */
public final class HuggingFaceBpeTokenizer extends VocabularyTokenizer {
    /** Where added tokens are matched: one matcher for plain text, one for parseSpecial (which adds the special ones). */
    record AddedTokenMatchers(SpecialTokenMatcher plain, SpecialTokenMatcher withSpecial) {
        SpecialTokenMatcher select(boolean parseSpecial) {
            return parseSpecial ? withSpecial : plain;
        }
    }

    private final BpeModel model;
    private final UnaryOperator<String> normalizer;
    private final PreTokenizer preTokenizer;
    private final AddedTokenMatchers rawTextMatchers;
    private final AddedTokenMatchers normalizedTextMatchers;
    private final int[] templatePrefix;
    private final int[] templateSuffix;
    private final boolean stripsLeadingSpace;

    /**
     * @param templatePrefix tokens put before the text when special tokens are added (usually BOS)
     * @param templateSuffix tokens put after it
     * @param pieceDecoder   the decoder chain applied to one token's piece
     */
    HuggingFaceBpeTokenizer(Vocabulary vocabulary, BpeModel model, UnaryOperator<String> normalizer,
                            PreTokenizer preTokenizer, AddedTokenMatchers rawTextMatchers,
                            AddedTokenMatchers normalizedTextMatchers, int[] templatePrefix, int[] templateSuffix,
                            SpecialTokens specials, Function<String, byte[]> pieceDecoder, boolean stripsLeadingSpace) {
        // Special tokens decode to nothing (decode with skip_special_tokens); everything else, added
        // tokens included, goes through the decoder chain as in the tokenizers library.
        super(vocabulary, specials, id -> vocabulary.type(id) == TokenType.CONTROL || vocabulary.type(id) == TokenType.UNUSED
                ? new byte[0] : pieceDecoder.apply(vocabulary.piece(id)));
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.rawTextMatchers = rawTextMatchers;
        this.normalizedTextMatchers = normalizedTextMatchers;
        this.templatePrefix = templatePrefix.clone();
        this.templateSuffix = templateSuffix.clone();
        this.stripsLeadingSpace = stripsLeadingSpace;
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos) {
            out.addAll(templatePrefix);
        }
        SpecialTokenMatcher normalizedMatcher = normalizedTextMatchers.select(parseSpecial);
        boolean[] startOfText = {true};
        SpecialTokenMatcher.Sink words = SpecialTokenMatcher.Sink.of(
                piece -> {
                    preTokenizer.split(piece, startOfText[0], word -> model.encodeWord(word, out));
                    startOfText[0] = false;
                },
                id -> {
                    out.add(id);
                    startOfText[0] = false;
                });
        rawTextMatchers.select(parseSpecial).split(text, SpecialTokenMatcher.Sink.of(
                fragment -> normalizedMatcher.split(normalizer.apply(fragment), words),
                words::token));
        if (addBos) {
            out.addAll(templateSuffix);
        }
        return out.toArray();
    }

    @Override
    public boolean stripsLeadingSpace() {
        return stripsLeadingSpace;
    }
}
