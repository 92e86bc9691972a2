package io.streamllm.model.blocks;

/**
 * ALiBi (Press et al., 2022): instead of rotating queries and keys, each head adds {@code -slope * distance} to
 * the score of a key {@code distance} positions before the query. Under a sink cache the distance is taken
 * inside the cache, as StreamingLLM assigns RoPE positions: the window keeps its true distances and the sinks
 * sit just before the window.
 *
 * <p>Slopes as llama.cpp computes them from {@code max_alibi_bias}: with n2 the largest power of two not above
 * the head count, head h &lt; n2 gets {@code m0^(h+1)}, {@code m0 = 2^(-max/n2)}; the remaining heads interleave
 * {@code m1^(2(h-n2)+1)}, {@code m1 = 2^(-max/2/n2)}.
 */
public final class Alibi {
    private final float[] slopes;

    public Alibi(int heads, float maxBias) {
        if (heads <= 0 || !(maxBias > 0) || Float.isInfinite(maxBias)) {
            throw new IllegalArgumentException("ALiBi needs heads > 0 and a positive max bias, got " + heads + " and " + maxBias);
        }
        int powerOfTwo = Integer.highestOneBit(heads);
        float m0 = (float) Math.pow(2, -maxBias / powerOfTwo);
        float m1 = (float) Math.pow(2, -maxBias / 2 / powerOfTwo);
        slopes = new float[heads];
        for (int h = 0; h < heads; h++) {
            slopes[h] = h < powerOfTwo ? (float) Math.pow(m0, h + 1) : (float) Math.pow(m1, 2 * (h - powerOfTwo) + 1);
        }
    }

    public float slope(int head) {
        return slopes[head];
    }

    /**
     * Adds the biases of a run of {@code keys} keys at consecutive positions to {@code scores[offset ..]}:
     * the first key lies {@code firstDistance} positions before the query, each next one a position closer.
     */
    public void addToRun(float[] scores, int offset, int keys, int head, long firstDistance) {
        float slope = slopes[head];
        for (int j = 0; j < keys; j++) {
            scores[offset + j] += slope * -(float) (firstDistance - j);
        }
    }
}
