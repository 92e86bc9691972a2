package io.streamllm.api;

/**
 * What a {@link StreamingSession}'s KV cache holds, read at one moment. The cache itself stays inside the
 * session, so that rollback and eviction always go through the session's policy.
 *
 * @param size           tokens held now (sinks and window)
 * @param sinks          sink tokens held
 * @param window         window tokens held
 * @param windowStart    absolute position of the oldest window token held
 * @param nextPosition   position of the next token in the cache's stream
 * @param evictedTokens  tokens evicted so far
 * @param allocatedBytes bytes of keys and values allocated
 * @param tokensSeen     tokens fed to the session (rolled-back ones not counted)
 * @param kvType         how keys and values are stored
 * @param bytesPerToken  bytes of keys and values one cached token takes, all layers
 */
public record CacheStats(int size, int sinks, int window, long windowStart, long nextPosition, long evictedTokens,
                         long allocatedBytes, long tokensSeen, KvType kvType, long bytesPerToken) {
}
