package io.streamllm.chat;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.CacheStats;
import io.streamllm.api.Conversation;
import io.streamllm.api.Generation;

import java.util.Locale;

/**
 * Where a chat stands: the cache (what it holds of the stream and at which positions), the stream, the
 * conversation and the last turn.
 *
 * @param capacity        tokens the cache holds at most (S+W), or {@link #UNBOUNDED}
 * @param held            tokens the cache holds now: {@code sinks + window}
 * @param nextPosition    absolute position of the next token (= tokens in the stream)
 * @param windowStart     absolute position of the oldest window token held
 * @param tokensSeen      tokens fed to the session (rolled-back ones not counted)
 * @param historyTokens   tokens of the conversation's history (prompts and answers)
 * @param kvType          how the cache stores keys and values
 * @param kvBytesPerToken bytes of keys and values one cached token takes, all layers
 * @param lastTurn        null before the first turn
 */
public record ChatStats(String policy, int capacity, int held, int sinks, int window, long nextPosition,
                        long windowStart, long tokensSeen, long evictedTokens, long turns, int messages,
                        int historyTokens, long restarts, String template, boolean incremental,
                        Conversation.Turn lastTurn, String kvType, long kvBytesPerToken) {

    /** The capacity of a cache that keeps every token. */
    public static final int UNBOUNDED = Integer.MAX_VALUE;

    static ChatStats of(ChatSession chat, long turns, long restarts, Conversation.Turn lastTurn, boolean incremental) {
        Conversation conversation = chat.conversation();
        CachePolicy policy = conversation.options().policy();
        int capacity = policy.windowTokens().isPresent() ? policy.sinkTokens() + policy.windowTokens().getAsInt() : UNBOUNDED;
        CacheStats cache = conversation.stats();
        return new ChatStats(policy.spec(), capacity, cache.size(), cache.sinks(),
                cache.window(), cache.nextPosition(), cache.windowStart(), cache.tokensSeen(), cache.evictedTokens(),
                turns, chat.transcript().size(), conversation.historyLength(), restarts,
                chat.template().name(), incremental, lastTurn, cache.kvType().label(), cache.bytesPerToken());
    }

    /** The report of {@code /stats}: one "label  values" line per topic. */
    public String format() {
        StringBuilder out = new StringBuilder();
        String capacityText = capacity == UNBOUNDED ? "unbounded" : Integer.toString(capacity);
        line(out, "cache", String.format(Locale.ROOT, "%s: %d/%s tokens held (%d sinks + %d window), KV %s, %d bytes/token",
                policy, held, capacityText, sinks, window, kvType, kvBytesPerToken));
        line(out, "positions", String.format(Locale.ROOT, "next %d; held %s; in-cache positions %s",
                nextPosition, heldRanges(), held == 0 ? "none" : "0-" + (held - 1)));
        line(out, "tokens", String.format(Locale.ROOT, "%d seen, %d evicted", tokensSeen, evictedTokens));
        line(out, "conversation", String.format(Locale.ROOT, "%d turns, %d messages, %d history tokens, %d restarts, template %s (%s)",
                turns, messages, historyTokens, restarts, template, incremental ? "rendered turn by turn" : "rendered in full"));
        if (lastTurn != null) {
            Generation result = lastTurn.generation();
            line(out, "last turn", String.format(Locale.ROOT,
                    "%d reused, %d prefilled (%.1f tok/s), %d generated (%.1f tok/s), stop: %s",
                    lastTurn.reusedTokens(), lastTurn.prefilledTokens(), result.prefillTokensPerSecond(),
                    result.generatedTokens(), result.decodeTokensPerSecond(),
                    result.stopReason().name().toLowerCase(Locale.ROOT).replace('_', ' ')));
        }
        return out.toString();
    }

    /** Absolute positions held: the sinks, then the window. */
    private String heldRanges() {
        StringBuilder ranges = new StringBuilder();
        if (sinks > 0) {
            ranges.append(range(0, sinks)).append(" (sinks)");
        }
        if (window > 0) {
            ranges.append(ranges.isEmpty() ? "" : ", ").append(range(windowStart, windowStart + window)).append(" (window)");
        }
        return ranges.isEmpty() ? "none" : ranges.toString();
    }

    private static String range(long from, long to) {
        return to - from == 1 ? Long.toString(from) : from + "-" + (to - 1);
    }

    private static void line(StringBuilder out, String label, String values) {
        out.append(String.format(Locale.ROOT, "%-13s%s%n", label, values));
    }
}
