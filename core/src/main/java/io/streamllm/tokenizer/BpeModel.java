package io.streamllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Rank-ordered BPE over one word at a time (Hugging Face's BPE model; llama.cpp's "gpt2" vocabularies):
 * the word starts as its characters' tokens and the pair with the lowest merge rank is merged until no
 * listed pair is left. A character that is no token becomes its {@code <0xXX>} byte tokens (with byte
 * fallback) or the unknown token.
 */
final class BpeModel {
    private final Vocabulary vocabulary;
    private final PairMergeTable merges;
    private final int unknownId;
    private final boolean byteFallback;
    private final boolean fuseUnknown;
    private final boolean ignoreMerges;

    /**
     * @param mergePairs   the merge rules, best first, as (left piece, right piece)
     * @param unknownId    the token for characters that are no token, or -1 to drop them
     * @param byteFallback write such characters as byte tokens when the vocabulary has them
     * @param fuseUnknown  make one unknown token of a run of unknown characters
     * @param ignoreMerges take a word that is itself a token as that token without merging (Llama 3)
     */
    BpeModel(Vocabulary vocabulary, List<String[]> mergePairs, int unknownId, boolean byteFallback,
             boolean fuseUnknown, boolean ignoreMerges) {
        this.vocabulary = vocabulary;
        this.unknownId = unknownId;
        this.byteFallback = byteFallback;
        this.fuseUnknown = fuseUnknown;
        this.ignoreMerges = ignoreMerges;
        this.merges = new PairMergeTable(mergePairs.size());
        for (int rank = 0; rank < mergePairs.size(); rank++) {
            String[] pair = mergePairs.get(rank);
            int left = vocabulary.id(pair[0]);
            int right = vocabulary.id(pair[1]);
            int merged = vocabulary.id(pair[0] + pair[1]);
            // A rule naming a piece that is no token can never apply here (the merge loop only ever
            // holds tokens), so it is left out rather than refused.
            if (left >= 0 && right >= 0 && merged >= 0) {
                merges.putIfAbsent(left, right, rank, merged);
            }
        }
    }

    void encodeWord(String word, IntList out) {
        if (ignoreMerges) {
            int whole = vocabulary.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        SymbolMerger merger = new SymbolMerger(word.length());
        boolean previousWasUnknown = false;
        for (int start = 0; start < word.length(); ) {
            int end = start + Character.charCount(word.codePointAt(start));
            String character = word.substring(start, end);
            int id = vocabulary.id(character);
            if (id >= 0) {
                merger.add(id, start, end);
                previousWasUnknown = false;
            } else if (byteFallback && addByteTokens(character, merger, start, end)) {
                previousWasUnknown = false;
            } else if (unknownId >= 0 && !(fuseUnknown && previousWasUnknown)) {
                merger.add(unknownId, start, end);
                previousWasUnknown = true;
            }
            start = end;
        }
        merger.mergeAll((leftId, rightId, start, end) -> merges.get(leftId, rightId));
        for (int symbol = merger.first(); symbol >= 0; symbol = merger.next(symbol)) {
            out.add(merger.id(symbol));
        }
    }

    /** Adds the character's UTF-8 bytes as byte tokens, if the vocabulary has all of them. */
    private boolean addByteTokens(String character, SymbolMerger merger, int start, int end) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (vocabulary.byteTokenId(b) < 0) {
                return false;
            }
        }
        for (byte b : utf8) {
            merger.add(vocabulary.byteTokenId(b), start, end);
        }
        return true;
    }
}
