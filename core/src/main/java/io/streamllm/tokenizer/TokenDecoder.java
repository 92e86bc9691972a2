package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns a stream of token ids into text as the tokens arrive. A character whose UTF-8 bytes are spread
 * over several tokens (byte-fallback tokens, byte-level pieces) is held back until its last byte
 * arrives; bytes that cannot become a character become U+FFFD as soon as that is certain.
 *
 * <p>When the stream starts a text and the tokenizer {@link Tokenizer#stripsLeadingSpace() strips a leading
 * space}, one leading space of the first bytes the stream produces is dropped (tokens that decode to
 * nothing, such as BOS, do not count). A continuation of a prompt keeps its first space: after the
 * prompt "One day, Tom" the next piece reads " and".
 *
 * <p>Not thread-safe: one decoder per stream.
 */
public final class TokenDecoder {
    private final Tokenizer tokenizer;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    /** Bytes received but not yet decoded (at most the start of one character); kept in read mode. */
    private ByteBuffer pending = ByteBuffer.allocate(64).flip();
    private boolean leadingSpacePending;

    /**
     * @param startsText whether the first token begins a text (then a leading space may be stripped, see
     *                   the class comment); false for a continuation of text decoded elsewhere
     */
    public TokenDecoder(Tokenizer tokenizer, boolean startsText) {
        this.tokenizer = tokenizer;
        this.leadingSpacePending = startsText && tokenizer.stripsLeadingSpace();
    }

    /** Adds one token; returns the text that became complete (often empty, never null). */
    public String append(int id) {
        if (!pending.hasRemaining() && !leadingSpacePending) {
            // The usual case, without allocation: nothing held back and the token is whole characters.
            String text = tokenizer.decodedText(id);
            if (text != null) {
                return text;
            }
        }
        byte[] bytes = tokenizer.decodeBytes(id);
        int from = 0;
        if (leadingSpacePending && bytes.length > 0) {
            leadingSpacePending = false;
            if (bytes[0] == ' ') {
                from = 1;
            }
        }
        return decode(bytes, from, false);
    }

    /** Ends the stream: bytes still held back (an unfinished character) come out as U+FFFD. */
    public String flush() {
        String text = decode(new byte[0], 0, true);
        CharBuffer tail = CharBuffer.allocate(4);
        utf8.flush(tail);
        utf8.reset();
        return text + tail.flip();
    }

    private String decode(byte[] bytes, int from, boolean endOfInput) {
        int length = bytes.length - from;
        if (pending.remaining() + length > pending.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.remaining() + length));
            bigger.put(pending).flip();
            pending = bigger;
        }
        pending.compact().put(bytes, from, length).flip();
        CharBuffer out = CharBuffer.allocate(pending.remaining() + 1);
        utf8.decode(pending, out, endOfInput);
        return out.flip().toString();
    }
}
