package io.streamllm.kv;

import io.streamllm.util.Quote;
import io.streamllm.api.InvalidSettingException;

/**
 * What the KV cache keeps as a stream goes on (StreamingLLM, Xiao et al. 2023, and its baselines).
 * Positions are always assigned inside the cache; with RoPE or ALiBi only distances matter, so
 * for the contiguous window this equals the original positions.
 */
public sealed interface CachePolicy permits DensePolicy, WindowPolicy, SinkWindowPolicy, RecomputePolicy {

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

    /** Whether the window is re-encoded from scratch before every prediction instead of being cached. */
    default boolean recomputes() {
        return false;
    }

    /** The policy written as on the command line, e.g. "sink:4:508". */
    String spec();

    /** Tokens the cache holds at most, sinks included (UNBOUNDED for dense). */
    default int capacity() {
        return windowTokens() == UNBOUNDED ? UNBOUNDED : sinkTokens() + windowTokens();
    }

    /** Parses "dense", "window:W", "sink:S:W" or "recompute:W". */
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
                case "recompute" -> {
                    requireParts(spec, parts, 2, "recompute:W");
                    yield new RecomputePolicy(Integer.parseInt(parts[1]));
                }
                default -> throw new InvalidSettingException("unknown cache policy '" + spec
                        + "' (expected dense, window:W, sink:S:W or recompute:W)");
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

    private static void requireParts(String spec, String[] parts, int count, String form) {
        if (parts.length != count) {
            throw new InvalidSettingException("cache policy " + Quote.of(spec) + " should be written " + form);
        }
    }
}
