package io.streamllm.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * GPT-2's reversible mapping from bytes to printable characters, which byte-level BPE vocabularies are
 * written in: the printable Latin-1 bytes ({@code !..~}, {@code ¡..¬}, {@code ®..ÿ}) stand for themselves,
 * the other 68 bytes get the characters U+0100, U+0101, ... in byte order (so a space is {@code Ġ} and a
 * newline {@code Ċ}).
 */
final class ByteLevelAlphabet {
    private static final char[] CHAR_OF_BYTE = new char[256];
    /** Indexed by character; -1 for characters that stand for no byte. */
    private static final int[] BYTE_OF_CHAR = new int[0x100 + 68];

    static {
        Arrays.fill(BYTE_OF_CHAR, -1);
        int nextExtraChar = 0x100;
        for (int b = 0; b < 256; b++) {
            boolean printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            char c = printable ? (char) b : (char) nextExtraChar++;
            CHAR_OF_BYTE[b] = c;
            BYTE_OF_CHAR[c] = b;
        }
    }

    private ByteLevelAlphabet() {
    }

    /** The text's UTF-8 bytes, each written as its character. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = CHAR_OF_BYTE[utf8[i] & 0xFF];
        }
        return new String(chars);
    }

    /**
     * The bytes a byte-level piece stands for. A piece with a character outside the alphabet (an added
     * token such as {@code <|im_start|>} can have one) is taken as plain UTF-8 text, as Hugging Face does.
     */
    static byte[] decode(String piece) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(piece.length());
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < BYTE_OF_CHAR.length ? BYTE_OF_CHAR[c] : -1;
            if (b < 0) {
                return piece.getBytes(StandardCharsets.UTF_8);
            }
            bytes.write(b);
        }
        return bytes.toByteArray();
    }
}
