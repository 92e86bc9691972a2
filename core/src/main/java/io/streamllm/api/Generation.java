package io.streamllm.api;

/**
 * What one generation produced, with its timings.
 *
 * @param text            the whole output when the generation had a token limit; an unlimited generation
 *                        only streams its text (this is then empty), so that memory stays flat
 * @param promptTokens    tokens fed before generating
 * @param generatedTokens tokens generated (an end-of-generation token not counted)
 * @param stopReason      why it stopped
 * @param prefillNanos    time spent feeding the prompt
 * @param decodeNanos     time spent generating
 */
public record Generation(String text, int promptTokens, int generatedTokens, StopReason stopReason,
                         long prefillNanos, long decodeNanos) {

    /** {@return prompt tokens fed per second} */
    public double prefillTokensPerSecond() {
        return promptTokens / Math.max(1e-9, prefillNanos / 1e9);
    }

    /** {@return tokens generated per second} */
    public double decodeTokensPerSecond() {
        return generatedTokens / Math.max(1e-9, decodeNanos / 1e9);
    }
}
