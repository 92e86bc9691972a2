package io.streamllm.api;

/**
 * How a session keeps its stream: the cache policy, how keys and values are stored, and how tokens are batched.
 *
 * @param policy       what the KV cache keeps
 * @param kvType       how keys and values are stored (f32 exact; f16 and q8_0 halve and quarter the memory)
 * @param prefillChunk tokens run through the network together when feeding a long input
 * @param evictChunk   window tokens evicted at once when the window is full (1 = the paper's exact policy)
 */
public record SessionOptions(CachePolicy policy, KvType kvType, int prefillChunk, int evictChunk) {

    /** Tokens fed together by default: large enough for matrix-matrix speed, small enough for any window. */
    public static final int DEFAULT_PREFILL_CHUNK = 64;

    /** Checks the sizes; a bad one throws {@link InvalidSettingException}. */
    public SessionOptions {
        if (policy == null || kvType == null) {
            throw new InvalidSettingException("a session needs a cache policy and a KV type");
        }
        if (prefillChunk < 1) {
            throw new InvalidSettingException("the prefill chunk must be at least 1 token, got " + prefillChunk);
        }
        if (evictChunk < 1) {
            throw new InvalidSettingException("the eviction chunk must be at least 1 token, got " + evictChunk);
        }
        if (policy.windowTokens().isPresent() && evictChunk > policy.windowTokens().getAsInt()) {
            throw new InvalidSettingException("the eviction chunk of " + evictChunk
                    + " tokens is larger than the window of " + policy.spec());
        }
    }

    /**
     * Options with exact (f32) keys and values, the default chunk, and token-by-token eviction.
     *
     * @param policy what the KV cache keeps
     * @return the options
     */
    public static SessionOptions of(CachePolicy policy) {
        return new SessionOptions(policy, KvType.F32, DEFAULT_PREFILL_CHUNK, 1);
    }

    /**
     * A copy storing keys and values in another type.
     *
     * @param type how keys and values are stored
     * @return the copy
     */
    public SessionOptions kvType(KvType type) {
        return new SessionOptions(policy, type, prefillChunk, evictChunk);
    }

    /**
     * A copy feeding long inputs in other chunks.
     *
     * @param tokens tokens run through the network together, at least 1
     * @return the copy
     */
    public SessionOptions prefillChunk(int tokens) {
        return new SessionOptions(policy, kvType, tokens, evictChunk);
    }

    /**
     * A copy evicting more or fewer window tokens at once.
     *
     * @param tokens window tokens evicted at once, at least 1 and at most the window
     * @return the copy
     */
    public SessionOptions evictChunk(int tokens) {
        return new SessionOptions(policy, kvType, prefillChunk, tokens);
    }
}
