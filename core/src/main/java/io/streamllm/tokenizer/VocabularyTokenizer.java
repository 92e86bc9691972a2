package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.function.IntFunction;

/** What every tokenizer over a {@link Vocabulary} shares: the pieces, the special tokens, the decoded bytes. */
abstract class VocabularyTokenizer implements Tokenizer {
    protected final Vocabulary vocabulary;
    protected final SpecialTokens specials;
    private final byte[][] decodedBytes;
    private final String[] decodedTexts;           // filled on first use (see decodedText)
    private final boolean[] notWholeCharacters;    // tokens found to hold part of a character
    private final SpecialTokenMatcher specialMatcher;

    /** Encodes one piece of plain text (no special tokens in it) and appends its ids to {@code out}. */
    @FunctionalInterface
    interface FragmentEncoder {
        /**
         * @param first whether the fragment starts the text
         * @param afterToken whether a special token came just before it
         */
        void encode(String fragment, boolean first, boolean afterToken, IntList out);
    }

    /** @param decodeToken the bytes token {@code id} stands for in decoded text; computed once per token */
    VocabularyTokenizer(Vocabulary vocabulary, SpecialTokens specials, IntFunction<byte[]> decodeToken) {
        this.vocabulary = vocabulary;
        this.specials = specials;
        this.decodedBytes = new byte[vocabulary.size()][];
        this.decodedTexts = new String[vocabulary.size()];
        this.notWholeCharacters = new boolean[vocabulary.size()];
        for (int id = 0; id < vocabulary.size(); id++) {
            decodedBytes[id] = decodeToken.apply(id);
        }
        // As in llama.cpp: user-defined tokens are always cut out of the text, control and unknown ones
        // only when special tokens are parsed.
        this.specialMatcher = SpecialTokenMatcher.forTypes(vocabulary,
                EnumSet.of(TokenType.USER_DEFINED, TokenType.CONTROL, TokenType.UNKNOWN), EnumSet.of(TokenType.USER_DEFINED));
    }

    /**
     * BOS when asked and the model adds one, then the text with special tokens cut out (outside
     * {@code literal}) and the rest encoded.
     */
    protected final int[] encodeAroundSpecialTokens(String text, boolean addBos, LiteralSpans literal,
                                                    FragmentEncoder encoder) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos && specials.addBos() && specials.bos() >= 0) {
            out.add(specials.bos());
        }
        specialMatcher.split(text, SpecialTokenMatcher.Allowed.outside(literal), new SpecialTokenMatcher.Sink() {
            private boolean first = true;
            private boolean afterToken = false;

            @Override
            public void text(String fragment, int start) {
                encoder.encode(fragment, first, afterToken, out);
                first = false;
                afterToken = false;
            }

            @Override
            public void token(int id) {
                out.add(id);
                first = false;
                afterToken = true;
            }
        });
        return out.toArray();
    }

    @Override
    public byte[] decodeBytes(int id) {
        vocabulary.type(id); // range check with a clear message
        return decodedBytes[id].clone();
    }

    @Override
    public String decodedText(int id) {
        vocabulary.type(id); // range check with a clear message
        String text = decodedTexts[id];
        if (text == null && !notWholeCharacters[id]) {
            // Racy but safe: every thread computes the same immutable String.
            text = wholeCharacters(decodedBytes[id]);
            if (text == null) {
                notWholeCharacters[id] = true;
            } else {
                decodedTexts[id] = text;
            }
        }
        return text;
    }

    /** The bytes as text when they are complete, valid UTF-8; else null. */
    private static String wholeCharacters(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
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
