package io.streamllm.kv;

/** Keeps the last {@code window} tokens only: the window-attention baseline. */
public record WindowPolicy(int window) implements CachePolicy {
    public WindowPolicy {
        if (window < 1) {
            throw new IllegalArgumentException("the window must hold at least 1 token, got " + window);
        }
    }

    @Override
    public int sinkTokens() {
        return 0;
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
