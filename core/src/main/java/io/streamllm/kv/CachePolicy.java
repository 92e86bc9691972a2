package io.streamllm.kv;

import io.streamllm.util.Quote;
import io.streamllm.api.InvalidSettingException;

/**
 * What the KV cache keeps as a stream goes on (StreamingLLM, Xiao et al. 2023, and its baselines).
 * Positions are always assigned inside the cache; with RoPE or ALiBi only distances matter, so
 * for the contiguous window this equals the original positions.
 */
public sealed interface CachePolicy permits DensePolicy, WindowPolicy, SinkWindowPolicy, RecomputePolicy,
        HeavyHitterPolicy, SnapKvPolicy, DuoPolicy {

    /** {@link #windowTokens()} of a policy that never evicts. */
    int UNBOUNDED = Integer.MAX_VALUE;
    /** The most tokens a window or the sinks may hold: beyond any heap, and far from UNBOUNDED and int overflow. */
    int MAX_TOKENS = 1 << 30;

    /** Tokens at the start of the stream kept for ever (the attention sinks); none unless the policy says. */
    default int sinkTokens() {
        return 0;
    }

    /** The most recent tokens kept besides the sinks, or {@link #UNBOUNDED}. */
    int windowTokens();

    /**
     * Tokens older than the window kept for the attention they receive (H2O's heavy hitters, SnapKV's selection);
     * 0 for the policies that keep by position only.
     */
    default int keptTokens() {
        return 0;
    }

    /** Whether the cache chooses which tokens to keep by the attention they receive. */
    default boolean selectsByAttention() {
        return keptTokens() > 0;
    }

    /** How many of the oldest window tokens compete for the kept places in one selection round. */
    default int roundTokens() {
        return 1;
    }

    /**
     * Whether a round compares the attention received since the previous round only (SnapKV's observation
     * window) instead of since each token was fed (H2O).
     */
    default boolean scoresLastRoundOnly() {
        return false;
    }

    /** Whether the cache's memory stays constant however long the stream runs. */
    default boolean bounded() {
        return windowTokens() != UNBOUNDED;
    }

    /** Whether the window is re-encoded from scratch before every prediction instead of being cached. */
    default boolean recomputes() {
        return false;
    }

    /** The policy written as on the command line, e.g. "sink:4:508". */
    String spec();

    /** Tokens the cache holds at most, sinks included (UNBOUNDED for dense). */
    default int capacity() {
        return windowTokens() == UNBOUNDED ? UNBOUNDED : sinkTokens() + keptTokens() + windowTokens();
    }

    /** The forms {@link #parse} reads. */
    String FORMS = "dense, window:W, sink:S:W, recompute:W, h2o:S:H:W, snapkv:S:K:W[:O] or duo:S:W:R";

    /** Parses one of {@link #FORMS}. */
    static CachePolicy parse(String spec) {
        String[] parts = spec.trim().split(":", -1);
        try {
            return switch (parts[0]) {
                case "dense" -> {
                    requireParts(spec, parts, 1, "dense");
                    yield new DensePolicy();
                }
                case "window" -> {
                    requireParts(spec, parts, 2, "window:W");
                    yield new WindowPolicy(Integer.parseInt(parts[1]));
                }
                case "sink" -> {
                    requireParts(spec, parts, 3, "sink:S:W");
                    yield new SinkWindowPolicy(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]));
                }
                case "h2o" -> {
                    requireParts(spec, parts, 4, "h2o:S:H:W");
                    yield new HeavyHitterPolicy(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                            Integer.parseInt(parts[3]));
                }
                case "snapkv" -> {
                    if (parts.length != 4) {
                        requireParts(spec, parts, 5, "snapkv:S:K:W or snapkv:S:K:W:O");
                    }
                    int window = Integer.parseInt(parts[3]);
                    yield new SnapKvPolicy(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]), window,
                            parts.length == 5 ? Integer.parseInt(parts[4]) : Math.min(SnapKvPolicy.DEFAULT_OBSERVED, window));
                }
                case "duo" -> {
                    requireParts(spec, parts, 4, "duo:S:W:R (R: the share of retrieval heads, 0 to 1)");
                    yield new DuoPolicy(Integer.parseInt(parts[1]), Integer.parseInt(parts[2]),
                            Double.parseDouble(parts[3]));
                }
                case "recompute" -> {
                    requireParts(spec, parts, 2, "recompute:W");
                    yield new RecomputePolicy(Integer.parseInt(parts[1]));
                }
                default -> throw new InvalidSettingException("unknown cache policy '" + spec
                        + "' (expected " + FORMS + ")");
            };
        } catch (NumberFormatException e) {
            throw new InvalidSettingException("cache policy " + Quote.of(spec) + ": sizes must be whole numbers");
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("cache policy " + Quote.of(spec) + ": " + e.getMessage());
        }
    }

    /** The check every windowed policy makes of its window size. */
    static void requirePositiveWindow(int window) {
        if (window < 1) {
            throw new IllegalArgumentException("the window must hold at least 1 token, got " + window);
        }
        if (window > MAX_TOKENS) {
            throw new IllegalArgumentException("the window can hold at most " + MAX_TOKENS + " tokens, got " + window);
        }
    }

    /** The check of a number of sink tokens. */
    static void requireSinks(int sinks) {
        if (sinks < 0 || sinks > MAX_TOKENS) {
            throw new IllegalArgumentException("the number of sink tokens must be 0 to " + MAX_TOKENS + ", got " + sinks);
        }
    }

    /** The check of a number of tokens kept by attention. */
    static void requireKept(int kept, String what) {
        if (kept < 1 || kept > MAX_TOKENS) {
            throw new IllegalArgumentException("the number of " + what + " must be 1 to " + MAX_TOKENS + ", got " + kept);
        }
    }

    private static void requireParts(String spec, String[] parts, int count, String form) {
        if (parts.length != count) {
            throw new InvalidSettingException("cache policy " + Quote.of(spec) + " should be written " + form);
        }
    }
}
