package io.streamllm.tokenizer;

import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * SentencePiece-style BPE with scores and byte fallback (GGUF {@code tokenizer.ggml.model = "llama"}),
 * tokenizing exactly as llama.cpp does: a space is put in front of the text (and after every special
 * token), spaces become {@code ▁}, the text is split into characters, and the adjacent pair whose
 * concatenation is a token with the highest score is merged until none is left (equal scores: leftmost).
 * A character that never became a token is written as its UTF-8 bytes with the {@code <0xXX>} tokens.
 */
public final class SentencePieceTokenizer extends VocabularyTokenizer {
    private static final char WORD_BOUNDARY = '\u2581'; // ▁

    /** Per token: the rank of its score among all distinct scores, 0 for the highest. */
    private final int[] scoreRanks;
    private final boolean addSpacePrefix;
    private final int unknownId;

    SentencePieceTokenizer(Vocabulary vocabulary, float[] scores, boolean addSpacePrefix, SpecialTokens specials, int unknownId) {
        super(vocabulary, specials, id -> vocabulary.textBytes(id,
                piece -> piece.replace(WORD_BOUNDARY, ' ').getBytes(StandardCharsets.UTF_8)));
        if (scores.length != vocabulary.size()) {
            throw new IllegalArgumentException(scores.length + " scores for " + vocabulary.size() + " tokens");
        }
        this.scoreRanks = rankDescending(scores);
        this.addSpacePrefix = addSpacePrefix;
        this.unknownId = unknownId;
    }

    /**
     * Ranks scores from the highest (rank 0) down; equal scores share a rank, so that the merger's
     * leftmost rule breaks their ties. -0.0 and 0.0 are equal here, as they are to C++'s {@code <}.
     */
    private static int[] rankDescending(float[] scores) {
        float[] distinct = new float[scores.length];
        for (int i = 0; i < scores.length; i++) {
            distinct[i] = scores[i] + 0.0f; // turns -0.0 into 0.0
        }
        Arrays.sort(distinct);
        int n = 0;
        for (int i = 0; i < distinct.length; i++) {
            if (n == 0 || Float.compare(distinct[n - 1], distinct[i]) != 0) {
                distinct[n++] = distinct[i];
            }
        }
        int[] ranks = new int[scores.length];
        for (int i = 0; i < scores.length; i++) {
            ranks[i] = n - 1 - Arrays.binarySearch(distinct, 0, n, scores[i] + 0.0f);
        }
        return ranks;
    }

    @Override
    public int[] encode(String text, boolean addBos, LiteralSpans literal) {
        // SentencePiece puts its dummy prefix at the start of the text and after each special token.
        return encodeAroundSpecialTokens(text, addBos, literal, (fragment, first, afterToken, out) -> {
            String prefixed = addSpacePrefix && (first || afterToken) ? " " + fragment : fragment;
            encodeFragment(prefixed.replace(' ', WORD_BOUNDARY), out);
        });
    }

    private void encodeFragment(String text, IntList out) {
        SymbolMerger merger = new SymbolMerger(text.length());
        for (int start = 0; start < text.length(); ) {
            int end = start + Character.charCount(text.codePointAt(start));
            merger.add(vocabulary.id(text.substring(start, end)), start, end);
            start = end;
        }
        int longest = vocabulary.longestPieceLength();
        merger.mergeAll((leftId, rightId, start, end) -> {
            if (end - start > longest) {
                return SymbolMerger.NO_MERGE;
            }
            int merged = vocabulary.id(text.substring(start, end));
            return merged < 0 ? SymbolMerger.NO_MERGE : SymbolMerger.merge(scoreRanks[merged], merged);
        });
        for (int symbol = merger.first(); symbol >= 0; symbol = merger.next(symbol)) {
            if (merger.id(symbol) >= 0) {
                out.add(merger.id(symbol));
            } else {
                encodeAsBytes(text.substring(merger.start(symbol), merger.end(symbol)), out);
            }
        }
    }

    /** A character that is no token: its UTF-8 bytes as byte tokens, or the unknown token without them. */
    private void encodeAsBytes(String character, IntList out) {
        byte[] utf8 = character.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (vocabulary.byteTokenId(b) < 0) {
                if (unknownId >= 0) {
                    out.add(unknownId);
                }
                return;
            }
        }
        for (byte b : utf8) {
            out.add(vocabulary.byteTokenId(b));
        }
    }

    @Override
    public boolean stripsLeadingSpace() {
        return addSpacePrefix;
    }
}
