package io.streamllm.kv;

/** Keeps the last {@code window} tokens only: the window-attention baseline. */
public record WindowPolicy(int window) implements CachePolicy {
    public WindowPolicy {
        CachePolicy.requirePositiveWindow(window);
    }

    @Override
    public int windowTokens() {
        return window;
    }

    @Override
    public String spec() {
        return "window:" + window;
    }
}
