package io.streamllm.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Function;

/** The token pieces of a model, their types, and the reverse lookup from piece to id. */
final class Vocabulary {
    private final String[] pieces;
    private final TokenType[] types;
    private final Map<String, Integer> idsByPiece;
    /** The id of the byte-fallback token {@code <0xXX>} for each byte value, -1 where the vocabulary has none. */
    private final int[] byteTokenIds = new int[256];
    private final int longestPieceLength;

    Vocabulary(String[] pieces, TokenType[] types) {
        if (pieces.length != types.length) {
            throw new IllegalArgumentException(pieces.length + " pieces but " + types.length + " types");
        }
        this.pieces = pieces.clone();
        this.types = types.clone();
        this.idsByPiece = HashMap.newHashMap(pieces.length);
        int longest = 0;
        for (int id = 0; id < pieces.length; id++) {
            // A piece listed twice maps to its last id, as in llama.cpp.
            idsByPiece.put(pieces[id], id);
            longest = Math.max(longest, pieces[id].length());
        }
        this.longestPieceLength = longest;
        for (int b = 0; b < 256; b++) {
            byteTokenIds[b] = id(byteTokenPiece(b));
        }
    }

    int size() {
        return pieces.length;
    }

    String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    TokenType type(int id) {
        checkId(id);
        return types[id];
    }

    /** The id of {@code piece}, or -1 when it is not in the vocabulary. */
    int id(String piece) {
        Integer id = idsByPiece.get(piece);
        return id == null ? -1 : id;
    }

    /** The id of the byte-fallback token for byte {@code value} (0..255), or -1. */
    int byteTokenId(int value) {
        return byteTokenIds[value & 0xFF];
    }

    /** The first token of the given type, or -1. */
    int firstOfType(TokenType type) {
        for (int id = 0; id < types.length; id++) {
            if (types[id] == type) {
                return id;
            }
        }
        return -1;
    }

    /** The length in chars of the longest piece: no longer string can be a token. */
    int longestPieceLength() {
        return longestPieceLength;
    }

    /**
     * The bytes token {@code id} stands for in decoded text, by its type: a normal piece as
     * {@code normalPiece} spells it out, a user-defined piece as written, a byte token as its byte,
     * and control, unknown and unused tokens as nothing (as llama.cpp and SentencePiece decode them).
     */
    byte[] textBytes(int id, Function<String, byte[]> normalPiece) {
        String piece = piece(id);
        return switch (type(id)) {
            case NORMAL -> normalPiece.apply(piece);
            case USER_DEFINED -> piece.getBytes(StandardCharsets.UTF_8);
            case BYTE -> {
                int value = parseByteTokenPiece(piece);
                yield value < 0 ? piece.getBytes(StandardCharsets.UTF_8) : new byte[]{(byte) value};
            }
            case CONTROL, UNKNOWN, UNUSED -> new byte[0];
        };
    }

    /** The piece naming byte {@code value} in SentencePiece's byte-fallback convention, e.g. {@code <0x0A>}. */
    static String byteTokenPiece(int value) {
        return "<0x" + HexFormat.of().withUpperCase().toHexDigits((byte) value) + ">";
    }

    /** The byte a piece of the form {@code <0xXX>} stands for, or -1 when the piece has another form. */
    static int parseByteTokenPiece(String piece) {
        if (piece.length() != 6 || !piece.startsWith("<0x") || piece.charAt(5) != '>') {
            return -1;
        }
        int high = Character.digit(piece.charAt(3), 16);
        int low = Character.digit(piece.charAt(4), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    private void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " is outside the vocabulary (0.." + (pieces.length - 1) + ")");
        }
    }
}
