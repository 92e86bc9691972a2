package io.streamllm.model;

/**
 * The options of attention beyond its head counts.
 *
 * @param queryScale     factor on q.k before the softmax (usually 1/sqrt(head size))
 * @param logitSoftcap   when positive, scores become cap * tanh(score / cap) (Gemma 2); 0 for none
 * @param slidingWindow  when positive, a layer with sliding attention sees only keys closer than this
 *                       (in-cache distance); 0 for none
 * @param slidingPeriod  which layers slide: those whose index is a multiple of this (1: all, 2: even ones)
 * @param clampQkv       when positive, q, k and v are clamped to [-clamp, clamp] (MPT); 0 for none
 */
public record AttentionSpec(float queryScale, float logitSoftcap, int slidingWindow, int slidingPeriod, float clampQkv) {

    public AttentionSpec {
        if (slidingWindow < 0 || slidingPeriod < 1) {
            throw new IllegalArgumentException("sliding window " + slidingWindow + " every " + slidingPeriod + " layers");
        }
    }

    /** Plain scaled dot-product attention over heads of {@code headDim}. */
    public static AttentionSpec standard(int headDim) {
        return new AttentionSpec((float) (1.0 / Math.sqrt(headDim)), 0, 0, 1, 0);
    }

    public AttentionSpec withQueryScale(float scale) {
        return new AttentionSpec(scale, logitSoftcap, slidingWindow, slidingPeriod, clampQkv);
    }

    public AttentionSpec withLogitSoftcap(float cap) {
        return new AttentionSpec(queryScale, cap, slidingWindow, slidingPeriod, clampQkv);
    }

    public AttentionSpec withSlidingWindow(int window, int period) {
        return new AttentionSpec(queryScale, logitSoftcap, window, period, clampQkv);
    }

    public AttentionSpec withClampQkv(float clamp) {
        return new AttentionSpec(queryScale, logitSoftcap, slidingWindow, slidingPeriod, clamp);
    }

    /** The sliding window of {@code layer}, or {@link Integer#MAX_VALUE} when it sees every cached key. */
    public int windowOf(int layer) {
        return slidingWindow > 0 && layer % slidingPeriod == 0 ? slidingWindow : Integer.MAX_VALUE;
    }
}
