package io.streamllm.kv;

/**
 * H2O (Zhang et al. 2023) on a sink cache: the first {@code sinks} tokens, up to {@code heavy} heavy hitters and
 * the last {@code window} tokens. A heavy hitter is a token that has received the most attention: every token's
 * attention weights are summed over all the queries since it was fed, over every layer and head. When a token
 * leaves the window, it and the heavy hitters compete for the heavy places and the one with the least attention is
 * evicted (the older on a tie).
 *
 * <p>One set of tokens for all layers and heads (H2O's reference code chooses per head): the cache keeps one slot
 * layout, and the comparison with a sink cache of the same budget stays token for token.
 */
public record HeavyHitterPolicy(int sinks, int heavy, int window) implements CachePolicy {
    public HeavyHitterPolicy {
        CachePolicy.requireSinks(sinks);
        CachePolicy.requireKept(heavy, "heavy hitters");
        CachePolicy.requirePositiveWindow(window);
    }

    @Override
    public int sinkTokens() {
        return sinks;
    }

    @Override
    public int keptTokens() {
        return heavy;
    }

    @Override
    public int windowTokens() {
        return window;
    }

    @Override
    public int roundTokens() {
        return 1;
    }

    @Override
    public String spec() {
        return "h2o:" + sinks + ":" + heavy + ":" + window;
    }
}
