package io.streamllm.kv;

/** StreamingLLM: the first {@code sinks} tokens (attention sinks) plus the last {@code window} tokens. */
public record SinkWindowPolicy(int sinks, int window) implements CachePolicy {
    public SinkWindowPolicy {
        if (sinks < 0) {
            throw new IllegalArgumentException("the number of sink tokens cannot be negative, got " + sinks);
        }
        CachePolicy.requirePositiveWindow(window);
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
