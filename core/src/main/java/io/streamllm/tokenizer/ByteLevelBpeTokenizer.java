package io.streamllm.tokenizer;

import java.util.EnumSet;
import java.util.List;

/**
 * GPT-2 style byte-level BPE (GGUF {@code tokenizer.ggml.model = "gpt2"}), as llama.cpp runs it: special
 * tokens are cut out first, the rest is split into words by the model's pre-tokenizer regex, each word's
 * UTF-8 bytes are written in the {@link ByteLevelAlphabet}, and merges apply by rank within each word.
 */
public final class ByteLevelBpeTokenizer extends VocabularyTokenizer {
    private final BpeModel model;
    private final PreTokenizer preTokenizer;
    private final SpecialTokenMatcher userDefinedMatcher;
    private final SpecialTokenMatcher allSpecialMatcher;

    /**
     * @param preTokenizer splits plain text into words (see {@link PreTokenizer#LLAMA3_PATTERN} etc.)
     * @param ignoreMerges a word that is itself a token is taken whole (llama.cpp does so for Llama 3)
     */
    ByteLevelBpeTokenizer(Vocabulary vocabulary, List<String[]> merges, PreTokenizer preTokenizer,
                          boolean ignoreMerges, SpecialTokens specials, int unknownId) {
        super(vocabulary, specials, id -> vocabulary.textBytes(id, ByteLevelAlphabet::decode));
        this.model = new BpeModel(vocabulary, merges, unknownId, false, false, ignoreMerges);
        this.preTokenizer = preTokenizer;
        this.userDefinedMatcher = SpecialTokenMatcher.forTypes(vocabulary, EnumSet.of(TokenType.USER_DEFINED));
        this.allSpecialMatcher = SpecialTokenMatcher.forTypes(vocabulary,
                EnumSet.of(TokenType.USER_DEFINED, TokenType.CONTROL, TokenType.UNKNOWN));
    }

    @Override
    public int[] encode(String text, boolean addBos, boolean parseSpecial) {
        IntList out = new IntList(text.length() / 3 + 2);
        if (addBos && specials.addBos() && specials.bos() >= 0) {
            out.add(specials.bos());
        }
        SpecialTokenMatcher matcher = parseSpecial ? allSpecialMatcher : userDefinedMatcher;
        matcher.split(text, new SpecialTokenMatcher.Sink() {
            private boolean startOfText = true;

            @Override
            public void text(String fragment) {
                preTokenizer.split(fragment, startOfText,
                        word -> model.encodeWord(ByteLevelAlphabet.encode(word), out));
                startOfText = false;
            }

            @Override
            public void token(int id) {
                out.add(id);
                startOfText = false;
            }
        });
        return out.toArray();
    }

    /** Byte-level text keeps its spaces: a leading space is part of the first word. */
    @Override
    public boolean stripsLeadingSpace() {
        return false;
    }
}
