package io.streamllm.api;

/** Why a generation ended. */
public enum StopReason {
    /** The model produced an end-of-sequence or end-of-turn token. */
    END_OF_GENERATION,
    /** The text reached one of the stop strings. */
    STOP_STRING,
    /** The token budget was used up. */
    MAX_TOKENS,
    /** The caller cancelled (Ctrl-C, a client that went away). */
    CANCELLED
}
