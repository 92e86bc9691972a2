package io.streamllm.testing;

/**
 * The definition of a cache policy for {@link ReRotatingReference}: which earlier tokens each layer's KV head
 * holds before the next token, and how that changes once a token's attention is known.
 */
public interface Retention {

    /** The stream positions held for {@code layer} and KV head {@code kvHead}, ascending. */
    long[] held(int layer, int kvHead);

    /**
     * The token at {@code position} has been fed: {@code weights[layer][head]} is its attention over the keys at
     * {@code keyPositions[layer][head]} (what it held, then itself).
     */
    void afterStep(long position, double[][][] weights, long[][][] keyPositions);

    /** Forgets every token but the sinks (a stream fast-forwarded far ahead). */
    void dropAllButSinks();
}
