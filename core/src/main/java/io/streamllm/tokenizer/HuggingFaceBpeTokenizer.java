package io.streamllm.tokenizer;

import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

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
    private final BpeModel model;
    private final UnaryOperator<String> normalizer;
    private final PreTokenizer preTokenizer;
    private final SpecialTokenMatcher rawTextMatcher;
    private final SpecialTokenMatcher normalizedTextMatcher;
    private final int[] templatePrefix;
    private final int[] templateSuffix;
    private final boolean stripsLeadingSpace;

    /**
     * @param rawTextMatcher        the added tokens matched in the raw text (special ones only where allowed)
     * @param normalizedTextMatcher those matched in the normalized text, by their normalized text
     * @param templatePrefix tokens put before the text when special tokens are added (usually BOS)
     * @param templateSuffix tokens put after it
     * @param pieceDecoder   the decoder chain applied to one token's piece
     */
    HuggingFaceBpeTokenizer(Vocabulary vocabulary, BpeModel model, UnaryOperator<String> normalizer,
                            PreTokenizer preTokenizer, SpecialTokenMatcher rawTextMatcher,
                            SpecialTokenMatcher normalizedTextMatcher, int[] templatePrefix, int[] templateSuffix,
                            SpecialTokens specials, Function<String, byte[]> pieceDecoder, boolean stripsLeadingSpace) {
        // Special tokens decode to nothing (decode with skip_special_tokens); everything else, added
        // tokens included, goes through the decoder chain as in the tokenizers library.
        super(vocabulary, specials, id -> vocabulary.type(id) == TokenType.CONTROL || vocabulary.type(id) == TokenType.UNUSED
                ? new byte[0] : pieceDecoder.apply(vocabulary.piece(id)));
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.rawTextMatcher = rawTextMatcher;
        this.normalizedTextMatcher = normalizedTextMatcher;
        this.templatePrefix = templatePrefix.clone();
        this.templateSuffix = templateSuffix.clone();
        this.stripsLeadingSpace = stripsLeadingSpace;
    }

    @Override
    public int[] encode(String text, boolean addBos, LiteralSpans literal) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos) {
            out.addAll(templatePrefix);
        }
        SpecialTokenMatcher.Sink words = new SpecialTokenMatcher.Sink() {
            private boolean startOfText = true;

            @Override
            public void text(String piece, int start) {
                preTokenizer.split(piece, startOfText, word -> model.encodeWord(word, out));
                startOfText = false;
            }

            @Override
            public void token(int id) {
                out.add(id);
                startOfText = false;
            }
        };
        rawTextMatcher.split(text, SpecialTokenMatcher.Allowed.outside(literal), new SpecialTokenMatcher.Sink() {
            @Override
            public void text(String fragment, int start) {
                String normalized = normalizer.apply(fragment);
                normalizedTextMatcher.split(normalized,
                        allowedInNormalized(fragment, normalized, literal.slice(start, start + fragment.length())), words);
            }

            @Override
            public void token(int id) {
                words.token(id);
            }
        });
        if (addBos) {
            out.addAll(templateSuffix);
        }
        return out.toArray();
    }

    /**
     * Where special tokens may be matched in a normalized fragment: outside its literal stretches, carried
     * over to the normalized text by normalizing the fragment up to each bound (the normalizers change text
     * locally). Mapped only when a special token's text turns up, which plain text seldom has.
     */
    private SpecialTokenMatcher.Allowed allowedInNormalized(String fragment, String normalized, LiteralSpans literal) {
        if (literal.isEmpty()) {
            return SpecialTokenMatcher.Allowed.EVERYWHERE;
        }
        if (literal.equals(LiteralSpans.whole(fragment.length()))) {
            return SpecialTokenMatcher.Allowed.NOWHERE;
        }
        return new SpecialTokenMatcher.Allowed() {
            private LiteralSpans mapped;

            @Override
            public boolean at(int start, int end) {
                if (mapped == null) {
                    mapped = mapThroughNormalizer(fragment, normalized, literal);
                }
                return !mapped.overlaps(start, end);
            }
        };
    }

    private LiteralSpans mapThroughNormalizer(String fragment, String normalized, LiteralSpans literal) {
        LiteralSpans.Builder mapped = new LiteralSpans.Builder();
        int[] bounds = literal.bounds();
        int previous = 0;
        for (int i = 0; i < bounds.length; i += 2) {
            int start = Math.max(previous, normalizedOffset(fragment, normalized, bounds[i]));
            int end = Math.max(start, normalizedOffset(fragment, normalized, bounds[i + 1]));
            mapped.add(start, end);
            previous = end;
        }
        return mapped.build();
    }

    private int normalizedOffset(String fragment, String normalized, int offset) {
        if (offset == 0) {
            return 0;
        }
        if (offset == fragment.length()) {
            return normalized.length();
        }
        return Math.min(normalized.length(), normalizer.apply(fragment.substring(0, offset)).length());
    }

    @Override
    public boolean stripsLeadingSpace() {
        return stripsLeadingSpace;
    }
}
