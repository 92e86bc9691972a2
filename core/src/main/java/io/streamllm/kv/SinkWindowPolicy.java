package io.streamllm.kv;

/** StreamingLLM: the first {@code sinks} tokens (attention sinks) plus the last {@code window} tokens. */
public record SinkWindowPolicy(int sinks, int window) implements CachePolicy {
    public SinkWindowPolicy {
        CachePolicy.requireSinks(sinks);
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
