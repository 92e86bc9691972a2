package io.streamllm.eval;

/**
 * Tokens {@code start} (inclusive) to {@code end} (exclusive) of a stream and their mean negative
 * log-likelihood (natural log), with the mean over all tokens from the start of the stream to {@code end}.
 */
public record Segment(long start, long end, double meanNll, double cumulativeMeanNll) {

    public double perplexity() {
        return Math.exp(meanNll);
    }
}
