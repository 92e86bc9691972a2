package io.streamllm.kv;

/**
 * SnapKV (Li et al. 2024), made to stream: the first {@code sinks} tokens, up to {@code kept} tokens chosen by
 * the attention of the last {@code observed} queries, and a window of at most {@code window} recent tokens.
 * SnapKV compresses a prompt once, by the attention its last queries (the observation window) give to the
 * earlier tokens. Here it happens in rounds: whenever the window overflows, its oldest {@code observed} tokens
 * and the kept ones compete for the kept places by the attention received from the {@code observed} queries since
 * the last round (summed over every layer and head); the rest are evicted. The window then holds
 * {@code window + 1 - observed} tokens and refills. No pooling over neighbouring keys (SnapKV's kernel of 1).
 */
public record SnapKvPolicy(int sinks, int kept, int window, int observed) implements CachePolicy {
    /** The observation window when the written form leaves it out: SnapKV's default. */
    public static final int DEFAULT_OBSERVED = 32;

    public SnapKvPolicy {
        CachePolicy.requireSinks(sinks);
        CachePolicy.requireKept(kept, "kept tokens");
        CachePolicy.requirePositiveWindow(window);
        if (observed < 1 || observed > window) {
            throw new IllegalArgumentException("the observation window must be 1 to the window (" + window
                    + ") tokens, got " + observed);
        }
    }

    @Override
    public int sinkTokens() {
        return sinks;
    }

    @Override
    public int keptTokens() {
        return kept;
    }

    @Override
    public int windowTokens() {
        return window;
    }

    @Override
    public int roundTokens() {
        return observed;
    }

    @Override
    public boolean scoresLastRoundOnly() {
        return true;
    }

    @Override
    public String spec() {
        return "snapkv:" + sinks + ":" + kept + ":" + window + ":" + observed;
    }
}
