package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.InvalidSettingException;
import io.streamllm.api.ModelInfo;
import io.streamllm.api.SessionOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** KV cache options shared by generate, chat and serve. */
final class CacheOptions {
    /** Attention sinks of the default streaming policy (the paper's choice). */
    static final int DEFAULT_SINKS = 4;

    @Option(names = "--cache", paramLabel = "POLICY",
            description = "dense, window:W, sink:S:W, recompute:W, h2o:S:H:W, snapkv:S:K:W[:O] or duo:S:W:R (default: dense while the model's context suffices,"
                    + " else sink:4:W with 4+W just below the trained context)")
    String cache;

    @Option(names = "--evict-chunk", defaultValue = "1", paramLabel = "K",
            description = "evict K tokens at once when the window is full (default: ${DEFAULT-VALUE}, exact per-token eviction)")
    int evictChunk;

    @Option(names = "--prefill-chunk", defaultValue = "" + SessionOptions.DEFAULT_PREFILL_CHUNK, paramLabel = "N",
            description = "tokens run through the network together when reading a prompt (default: ${DEFAULT-VALUE})")
    int prefillChunk;

    @Mixin
    KvTypeOption kvType;

    /** The policy to use for a stream expected to hold {@code tokens} tokens (negative: unbounded). */
    CachePolicy policy(ModelInfo model, long tokens) {
        if (cache != null) {
            return CachePolicy.parse(cache);
        }
        boolean fits = tokens >= 0 && tokens <= model.contextLength();
        return fits ? CachePolicy.dense() : defaultStreamingPolicy(model);
    }

    /** StreamingLLM sized so that no position inside the cache reaches beyond the trained context. */
    static CachePolicy defaultStreamingPolicy(ModelInfo model) {
        int sinks = Math.min(DEFAULT_SINKS, model.contextLength() / 4);
        return CachePolicy.sink(sinks, Math.max(1, model.contextLength() - sinks - 1));
    }

    /** The session options the flags give for {@code policy}. */
    SessionOptions sessionOptions(CachePolicy policy) {
        return sessionOptions(policy, prefillChunk, evictChunk, kvType);
    }

    /** Session options from flags, a bad value named by its flag. */
    static SessionOptions sessionOptions(CachePolicy policy, int prefillChunk, int evictChunk, KvTypeOption kvType) {
        SessionOptions options = SessionOptions.of(policy).kvType(kvType.type());
        try {
            options = options.prefillChunk(prefillChunk);
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException("--prefill-chunk must be at least 1, got " + prefillChunk);
        }
        try {
            return options.evictChunk(evictChunk);
        } catch (InvalidSettingException e) {
            throw new IllegalArgumentException(evictChunk < 1 ? "--evict-chunk must be at least 1, got " + evictChunk
                    : "--evict-chunk " + evictChunk + " is larger than the window of " + policy.spec());
        }
    }
}
