package io.streamllm.kv;

/** StreamingLLM: the first {@code sinks} tokens (attention sinks) plus the last {@code window} tokens. */
public record SinkWindowPolicy(int sinks, int window) implements CachePolicy {
    public SinkWindowPolicy {
        if (sinks < 0 || sinks > MAX_TOKENS) {
            throw new IllegalArgumentException("the number of sink tokens must be 0 to " + MAX_TOKENS + ", got " + sinks);
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
