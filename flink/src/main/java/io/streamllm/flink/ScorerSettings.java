package io.streamllm.flink;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.ModelInfo;

import java.io.Serializable;

/**
 * What the keyed operator needs to know, and all that the job graph carries of the model: its path.
 *
 * @param modelPath the model file or directory, readable at this path on every task manager
 * @param cache     the cache policy spec (sink:S:W, window:W, recompute:W or dense); null for the default
 *                  streaming policy, sink:4:W filling the model's trained context
 * @param threads   kernel threads of the model in each task manager JVM
 * @param seed      sampler seed of every continuation, so that a replayed record generates the same text
 */
public record ScorerSettings(String modelPath, String cache, int threads, long seed) implements Serializable {

    /** The policy for {@code model}: the given one, else attention sinks and a window filling its context. */
    CachePolicy policy(ModelInfo model) {
        if (cache != null) {
            return CachePolicy.parse(cache);
        }
        int sinks = Math.min(4, model.contextLength() / 4);
        return CachePolicy.sink(sinks, Math.max(1, model.contextLength() - sinks - 1));
    }

    /** The most tokens one record may have: what the cache holds (the trained context for a dense cache). */
    static int capacity(CachePolicy policy, ModelInfo model) {
        return policy.windowTokens().isPresent()
                ? policy.sinkTokens() + policy.windowTokens().getAsInt()
                : model.contextLength();
    }
}
