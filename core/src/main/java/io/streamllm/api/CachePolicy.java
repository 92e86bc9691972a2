package io.streamllm.api;

import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.DuoPolicy;
import io.streamllm.kv.HeavyHitterPolicy;
import io.streamllm.kv.RecomputePolicy;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.kv.SnapKvPolicy;
import io.streamllm.kv.WindowPolicy;

import java.util.OptionalInt;

/**
 * What a session's KV cache keeps as the stream goes on: StreamingLLM's attention sinks plus a rolling window
 * (Xiao et al. 2023), or one of the baselines it is measured against. Positions are always assigned inside the
 * cache, so a sink cache streams for ever at constant memory. Immutable.
 */
public final class CachePolicy {
    private final io.streamllm.kv.CachePolicy policy;

    private CachePolicy(io.streamllm.kv.CachePolicy policy) {
        this.policy = policy;
    }

    /**
     * Keeps every token: memory and time per token grow without bound.
     *
     * @return the dense policy
     */
    public static CachePolicy dense() {
        return new CachePolicy(new DensePolicy());
    }

    /**
     * Keeps only the last {@code window} tokens: collapses once the first tokens are evicted (the paper's point).
     *
     * @param window tokens kept, at least 1
     * @return the window policy
     * @throws InvalidSettingException when {@code window} is not positive
     */
    public static CachePolicy window(int window) {
        return new CachePolicy(checked(() -> new WindowPolicy(window)));
    }

    /**
     * StreamingLLM: the first {@code sinks} tokens for ever plus the last {@code window} tokens.
     *
     * @param sinks  attention-sink tokens kept from the start of the stream (the paper uses 4)
     * @param window most recent tokens kept besides them, at least 1
     * @return the sink policy
     * @throws InvalidSettingException when a size is out of range
     */
    public static CachePolicy sink(int sinks, int window) {
        return new CachePolicy(checked(() -> new SinkWindowPolicy(sinks, window)));
    }

    /**
     * The sliding window with re-computation baseline: re-encodes the last {@code window} tokens for every token.
     *
     * @param window tokens re-encoded, at least 1
     * @return the recompute policy
     * @throws InvalidSettingException when {@code window} is not positive
     */
    public static CachePolicy recompute(int window) {
        return new CachePolicy(checked(() -> new RecomputePolicy(window)));
    }

    /**
     * H2O on a sink cache: the first {@code sinks} tokens, the {@code heavy} older tokens that have received the
     * most attention (summed over layers, heads and queries), and the last {@code window} tokens. Kept tokens
     * are scored at their positions inside the cache, as the sinks are.
     *
     * @param sinks  attention-sink tokens kept from the start of the stream
     * @param heavy  heavy hitters kept, at least 1
     * @param window most recent tokens kept, at least 1
     * @return the h2o policy, written {@code h2o:S:H:W}
     * @throws InvalidSettingException when a size is out of range
     */
    public static CachePolicy h2o(int sinks, int heavy, int window) {
        return new CachePolicy(checked(() -> new HeavyHitterPolicy(sinks, heavy, window)));
    }

    /**
     * SnapKV made to stream: the first {@code sinks} tokens, {@code kept} older tokens chosen in rounds by the
     * attention of the last {@code observed} queries, and a window of at most {@code window} recent tokens; a
     * round runs whenever the window overflows and lets its oldest {@code observed} tokens compete with the
     * kept ones.
     *
     * @param sinks    attention-sink tokens kept from the start of the stream
     * @param kept     tokens kept by attention, at least 1
     * @param window   most recent tokens kept at most, at least 1
     * @param observed the observation window: queries whose attention chooses, 1 to {@code window}
     * @return the snapkv policy, written {@code snapkv:S:K:W:O}
     * @throws InvalidSettingException when a size is out of range
     */
    public static CachePolicy snapKv(int sinks, int kept, int window, int observed) {
        return new CachePolicy(checked(() -> new SnapKvPolicy(sinks, kept, window, observed)));
    }

    /**
     * DuoAttention: the {@code retrievalShare} of KV heads that attend most beyond their sinks and recent tokens
     * keep every token, like a dense cache; the others keep the first {@code sinks} tokens and the last
     * {@code window}, like a sink cache. Which heads those are comes from the model's {@link DuoCalibration},
     * found beside the model when a session is made.
     *
     * @param sinks          attention-sink tokens the streaming heads keep
     * @param window         most recent tokens the streaming heads keep, at least 1
     * @param retrievalShare the share of KV heads that keep every token, 0 to 1
     * @return the duo policy, written {@code duo:S:W:R}
     * @throws InvalidSettingException when a size is out of range
     */
    public static CachePolicy duo(int sinks, int window, double retrievalShare) {
        return new CachePolicy(checked(() -> new DuoPolicy(sinks, window, retrievalShare)));
    }

    /**
     * Parses the written form: {@code dense}, {@code window:W}, {@code sink:S:W}, {@code recompute:W},
     * {@code h2o:S:H:W}, {@code snapkv:S:K:W[:O]} (O defaults to min(32, W)) or {@code duo:S:W:R}.
     *
     * @param spec the written form, as {@link #spec()} gives it
     * @return the policy it names
     * @throws InvalidSettingException naming the form expected
     */
    public static CachePolicy parse(String spec) {
        return new CachePolicy(io.streamllm.kv.CachePolicy.parse(spec));
    }

    /** {@return the written form, e.g. {@code sink:4:1020}; {@link #parse} reads it back} */
    public String spec() {
        return policy.spec();
    }

    /** {@return the tokens at the start of the stream kept for ever (0 unless a sink policy)} */
    public int sinkTokens() {
        return policy.sinkTokens();
    }

    /** {@return the most recent tokens kept besides the sinks; empty when every token is kept} */
    public OptionalInt windowTokens() {
        int window = policy.windowTokens();
        return window == io.streamllm.kv.CachePolicy.UNBOUNDED ? OptionalInt.empty() : OptionalInt.of(window);
    }

    /**
     * {@return the tokens the cache holds at most, sinks, kept tokens and window together; empty when it grows without
     * bound (dense, and duo with retrieval heads, whose streaming heads hold its sinks and window)}
     */
    public OptionalInt capacity() {
        return policy.bounded() && policy.windowTokens() != io.streamllm.kv.CachePolicy.UNBOUNDED
                ? OptionalInt.of(policy.capacity()) : OptionalInt.empty();
    }

    /** {@return whether the cache's memory stays constant however long the stream runs (false for dense, and for duo with retrieval heads)} */
    public boolean bounded() {
        return policy.bounded();
    }

    /** {@return the older tokens kept for the attention they receive (h2o, snapkv); 0 for the other policies} */
    public int keptTokens() {
        return policy.keptTokens();
    }

    /** {@return whether the window is re-encoded from scratch before every prediction instead of being cached} */
    public boolean recomputes() {
        return policy.recomputes();
    }

    io.streamllm.kv.CachePolicy engine() {
        return policy;
    }

    private static io.streamllm.kv.CachePolicy checked(java.util.function.Supplier<io.streamllm.kv.CachePolicy> make) {
        try {
            return make.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("cache policy: " + e.getMessage());
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof CachePolicy that && that.spec().equals(spec());
    }

    @Override
    public int hashCode() {
        return spec().hashCode();
    }

    @Override
    public String toString() {
        return spec();
    }
}
