package io.streamllm.kv;

/** StreamingLLM: the first {@code sinks} tokens (attention sinks) plus the last {@code window} tokens. */
public record SinkWindowPolicy(int sinks, int window) implements CachePolicy {
    public SinkWindowPolicy {
        if (sinks < 0) {
            throw new IllegalArgumentException("the number of sink tokens cannot be negative, got " + sinks);
        }
        if (window < 1) {
            throw new IllegalArgumentException("the window must hold at least 1 token, got " + window);
        }
    }

    @Override
    public int sinkTokens() {
        return sinks;
    }

    @Override
    public int windowTokens() {
        return window;
    }

    @Override
    public String spec() {
        return "sink:" + sinks + ":" + window;
    }
}
