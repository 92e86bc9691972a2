package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Streaming decoding on a stand-in tokenizer whose tokens are given byte strings. */
class TokenDecoderTest {
    /** Token i decodes to {@code pieces[i]}; token 0 is a control token that decodes to nothing. */
    private record FixedTokenizer(byte[][] pieces, boolean stripsLeadingSpace) implements Tokenizer {
        @Override
        public int[] encode(String text, boolean addBos, LiteralSpans literal) {
            throw new UnsupportedOperationException();
        }

        @Override
        public byte[] decodeBytes(int id) {
            return pieces[id].clone();
        }

        @Override
        public String piece(int id) {
            return new String(pieces[id], StandardCharsets.UTF_8);
        }

        @Override
        public int vocabularySize() {
            return pieces.length;
        }

        @Override
        public SpecialTokens specials() {
            return new SpecialTokens(0, 0, Set.of(0), true);
        }
    }

    private static final int CONTROL = 0;
    private static final int HELLO = 1;      // " Hello"
    private static final int WORLD = 2;      // " world"
    private static final int EMOJI_1 = 3;    // 😀 is F0 9F 98 80, spread over four tokens
    private static final int EMOJI_2 = 4;
    private static final int EMOJI_3 = 5;
    private static final int EMOJI_4 = 6;
    private static final int E2 = 7;         // the first two bytes of a 3-byte character
    private static final int X82 = 8;
    private static final int A = 9;          // "A"
    private static final int CONTINUATION = 10; // 0x80 alone
    private static final int TWO_SPACES = 11;   // "  x"

    private static final byte[][] PIECES = {
            {},
            " Hello".getBytes(StandardCharsets.UTF_8),
            " world".getBytes(StandardCharsets.UTF_8),
            {(byte) 0xF0}, {(byte) 0x9F}, {(byte) 0x98}, {(byte) 0x80},
            {(byte) 0xE2}, {(byte) 0x82},
            {'A'},
            {(byte) 0x80},
            "  x".getBytes(StandardCharsets.UTF_8),
    };

    private static List<String> stream(Tokenizer tokenizer, boolean startsText, int... ids) {
        TokenDecoder decoder = new TokenDecoder(tokenizer, startsText);
        List<String> out = new ArrayList<>();
        for (int id : ids) {
            out.add(decoder.append(id));
        }
        out.add(decoder.flush());
        return out;
    }

    private final Tokenizer stripping = new FixedTokenizer(PIECES, true);
    private final Tokenizer keeping = new FixedTokenizer(PIECES, false);

    @Test
    void aCharacterSpreadOverTokensComesOutWhenItsLastByteArrives() {
        assertThat(stream(keeping, true, HELLO, EMOJI_1, EMOJI_2, EMOJI_3, EMOJI_4, WORLD))
                .containsExactly(" Hello", "", "", "", "😀", " world", "");
    }

    @Test
    void anUnfinishedCharacterBecomesAReplacementCharacterOnceItCannotBeFinished() {
        // E2 82 could still become a character; 'A' proves it will not.
        assertThat(stream(keeping, false, E2, X82, A)).containsExactly("", "", "\uFFFDA", "");
        // A continuation byte with nothing before it is invalid at once.
        assertThat(stream(keeping, false, CONTINUATION, A)).containsExactly("\uFFFD", "A", "");
        // At the end of the stream, what is held back comes out as U+FFFD.
        assertThat(stream(keeping, false, A, EMOJI_1, EMOJI_2)).containsExactly("A", "", "", "\uFFFD");
    }

    @Test
    void aTextLosesOneLeadingSpaceOnlyWhenTheTokenizerStripsIt() {
        assertThat(stream(stripping, true, CONTROL, HELLO, WORLD)).containsExactly("", "Hello", " world", "");
        assertThat(stream(stripping, false, HELLO, WORLD)).containsExactly(" Hello", " world", "");
        assertThat(stream(keeping, true, HELLO, WORLD)).containsExactly(" Hello", " world", "");
        // Only one space goes, and only from the very first bytes.
        assertThat(stream(stripping, true, TWO_SPACES, HELLO)).containsExactly(" x", " Hello", "");
        assertThat(stream(stripping, true, A, HELLO)).containsExactly("A", " Hello", "");
    }

    @Test
    void wholeSequenceDecodingAgreesWithStreaming() {
        int[] ids = {CONTROL, HELLO, EMOJI_1, EMOJI_2, EMOJI_3, EMOJI_4, E2, X82, A};
        assertThat(stripping.decode(ids)).isEqualTo(String.join("", stream(stripping, true, ids)))
                .isEqualTo("Hello😀\uFFFDA");
    }
}
