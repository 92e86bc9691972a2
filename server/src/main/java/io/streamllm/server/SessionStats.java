package io.streamllm.server;

import io.streamllm.api.CacheStats;
import io.streamllm.api.Conversation;

/**
 * Where a session stands: what its turns cost so far and what its KV cache holds. Shown by
 * {@code GET /v1/sessions/{id}}, in the last chunk of a streamed answer and in the transcript file.
 *
 * @param historyTokens    tokens of the whole conversation (prompts and answers)
 * @param cacheTokens      tokens the KV cache holds now (sinks and window)
 * @param cacheCapacity    tokens it can hold
 * @param evictedTokens    tokens evicted so far
 * @param nextPosition     position of the next token in the stream
 * @param reusedTokens     prompt tokens found in the cache, summed over turns
 * @param prefilledTokens  prompt tokens that had to be run through the model, summed over turns
 * @param restarts         turns that changed the evicted past and re-read the conversation
 * @param kvType           how the cache stores keys and values (null in transcripts written before it was recorded)
 * @param kvBytesPerToken  bytes of keys and values one cached token takes, all layers
 */
public record SessionStats(long turns, long historyTokens, int cacheTokens, int cacheCapacity, int sinkTokens,
                           int windowTokens, long evictedTokens, long nextPosition, long promptTokens,
                           long reusedTokens, long prefilledTokens, long completionTokens, long restarts,
                           String kvType, long kvBytesPerToken) {

    public static SessionStats empty(int cacheCapacity) {
        return new SessionStats(0, 0, 0, cacheCapacity, 0, 0, 0, 0, 0, 0, 0, 0, 0, null, 0);
    }

    /** The stats after {@code turn} ran in {@code conversation}. */
    public SessionStats after(Conversation conversation, Conversation.Turn turn) {
        return new SessionStats(turns + 1, 0, 0, cacheCapacity, 0, 0, 0, 0,
                promptTokens + turn.reusedTokens() + turn.prefilledTokens(), reusedTokens + turn.reusedTokens(),
                prefilledTokens + turn.prefilledTokens(), completionTokens + turn.generation().generatedTokens(), 0, null, 0)
                .withCacheOf(conversation);
    }

    /** These totals with the cache figures of {@code conversation} as it is now. */
    public SessionStats withCacheOf(Conversation conversation) {
        CacheStats cache = conversation.stats();
        return new SessionStats(turns, conversation.historyLength(), cache.size(), cacheCapacity, cache.sinks(),
                cache.window(), cache.evictedTokens(), cache.nextPosition(), promptTokens, reusedTokens,
                prefilledTokens, completionTokens, conversation.restarts(), cache.kvType().label(), cache.bytesPerToken());
    }
}
