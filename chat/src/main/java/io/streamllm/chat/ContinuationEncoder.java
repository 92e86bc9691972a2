package io.streamllm.chat;

import io.streamllm.api.LiteralSpans;
import io.streamllm.api.Tokenizer;

import java.util.Arrays;

/**
 * Encodes text that continues a stream already tokenized (the next part of a chat), with special
 * tokens parsed outside the given literal stretches and no BOS. SentencePiece tokenizers put a dummy space before text that starts a
 * fragment, which a continuation must not get: for them the text is encoded behind a newline and the
 * newline's tokens are dropped. A newline is a byte token that no piece merges with, so the text after
 * it is tokenized as in the middle of the stream; should the tokens not start with the newline's own
 * (a vocabulary with merged newlines), the text is encoded on its own. Tokenizers without a dummy
 * prefix (byte-level BPE) encode the text as it is.
 */
final class ContinuationEncoder {
    private static final String ANCHOR = "\n";

    private final Tokenizer tokenizer;
    private final int[] anchorTokens; // null: no dummy prefix to avoid

    ContinuationEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
        this.anchorTokens = addsDummyPrefix(tokenizer) ? tokenizer.encode(ANCHOR, false, true) : null;
    }

    int[] encode(String text, LiteralSpans literal) {
        if (text.isEmpty()) {
            return new int[0];
        }
        if (anchorTokens != null) {
            int[] anchored = tokenizer.encode(ANCHOR + text, false, literal.shift(ANCHOR.length()));
            if (anchored.length > anchorTokens.length
                    && Arrays.equals(anchored, 0, anchorTokens.length, anchorTokens, 0, anchorTokens.length)) {
                return Arrays.copyOfRange(anchored, anchorTokens.length, anchored.length);
            }
        }
        return tokenizer.encode(text, false, literal);
    }

    /** Whether encoding "a" yields a piece that decodes with a leading space. */
    private static boolean addsDummyPrefix(Tokenizer tokenizer) {
        int[] tokens = tokenizer.encode("a", false, false);
        if (tokens.length == 0) {
            return false;
        }
        byte[] first = tokenizer.decodeBytes(tokens[0]);
        return first.length > 0 && first[0] == ' ';
    }
}
