package io.streamllm.tokenizer;

/**
 * What kind of token a vocabulary entry is. The codes are those of GGUF's {@code tokenizer.ggml.token_type}
 * (and SentencePiece's piece types); Hugging Face added tokens map onto CONTROL (special) and USER_DEFINED.
 */
enum TokenType {
    NORMAL,
    UNKNOWN,
    /** BOS, EOS, end-of-turn and the like: never produced from plain text, decoded to nothing. */
    CONTROL,
    /** Added text that is always matched whole before the model splits the text, and decoded as written. */
    USER_DEFINED,
    UNUSED,
    /** A byte-fallback token {@code <0xXX>} standing for one raw byte. */
    BYTE;

    static TokenType fromGgufCode(int code) {
        return switch (code) {
            case 1 -> NORMAL;
            case 2 -> UNKNOWN;
            case 3 -> CONTROL;
            case 4 -> USER_DEFINED;
            case 5 -> UNUSED;
            case 6 -> BYTE;
            // 0 is "undefined" in llama.cpp, which treats it like a normal piece.
            default -> NORMAL;
        };
    }
}
