package io.streamllm.kv;

/**
 * Sliding window with re-computation: before every prediction the last {@code window} tokens are
 * encoded from scratch at positions 0..window-1. Exact for a window, but O(window) forward passes
 * per token: the slow baseline StreamingLLM is measured against.
 */
public record RecomputePolicy(int window) implements CachePolicy {
    public RecomputePolicy {
        CachePolicy.requirePositiveWindow(window);
    }

    @Override
    public int windowTokens() {
        return window;
    }

    @Override
    public boolean recomputes() {
        return true;
    }

    @Override
    public String spec() {
        return "recompute:" + window;
    }
}
