package io.streamllm.server;

import java.time.Duration;

/**
 * What one client, or many, may take of a server: how long a request may take to arrive, how many
 * connections are held, how long an answer may be, how long a request waits for its busy session,
 * how long sessions are kept and how much disk they may fill, and how long a shutdown lets streams
 * finish. SECURITY.md lists them with their defaults.
 *
 * @param readTimeout         a connection that sends nothing for this long while its headers or body are expected is closed
 * @param maxConnections      connections held at once; beyond it the server stops accepting until one closes
 * @param maxTokensLimit      largest max_tokens a request may ask for
 * @param sessionQueue        requests that may wait for a busy session (beyond: 409 at once)
 * @param sessionWait         how long such a request waits before 409 with Retry-After
 * @param sessionTtl          a session unused for this long is deleted, in memory and on disk
 * @param stateMaxBytes       the state directory's size beyond which the least recently used sessions are deleted
 * @param shutdownGrace       on shutdown, how long streams in flight may go on before they are ended
 */
public record ServerLimits(Duration readTimeout, int maxConnections, int maxTokensLimit, int sessionQueue,
                           Duration sessionWait, Duration sessionTtl, long stateMaxBytes, Duration shutdownGrace) {
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MAX_CONNECTIONS = 512;
    public static final int DEFAULT_MAX_TOKENS_LIMIT = 8192;
    public static final int DEFAULT_SESSION_QUEUE = 4;
    public static final Duration DEFAULT_SESSION_WAIT = Duration.ofSeconds(10);
    public static final Duration DEFAULT_SESSION_TTL = Duration.ofDays(7);
    public static final long DEFAULT_STATE_MAX_BYTES = 1L << 30;
    public static final Duration DEFAULT_SHUTDOWN_GRACE = Duration.ofSeconds(10);

    public ServerLimits {
        positive("--read-timeout", readTimeout);
        if (maxConnections < 1) {
            throw new IllegalArgumentException("--max-connections must be at least 1, got " + maxConnections);
        }
        if (maxTokensLimit < 1) {
            throw new IllegalArgumentException("--max-tokens-limit must be at least 1, got " + maxTokensLimit);
        }
        if (sessionQueue < 0) {
            throw new IllegalArgumentException("--session-queue must be 0 or more, got " + sessionQueue);
        }
        notNegative("--session-wait", sessionWait);
        positive("--session-ttl", sessionTtl);
        if (stateMaxBytes < 1) {
            throw new IllegalArgumentException("--state-max-bytes must be at least 1, got " + stateMaxBytes);
        }
        notNegative("--shutdown-grace", shutdownGrace);
    }

    public static ServerLimits defaults() {
        return new ServerLimits(DEFAULT_READ_TIMEOUT, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_TOKENS_LIMIT,
                DEFAULT_SESSION_QUEUE, DEFAULT_SESSION_WAIT, DEFAULT_SESSION_TTL, DEFAULT_STATE_MAX_BYTES,
                DEFAULT_SHUTDOWN_GRACE);
    }

    public ServerLimits withReadTimeout(Duration timeout) {
        return new ServerLimits(timeout, maxConnections, maxTokensLimit, sessionQueue, sessionWait, sessionTtl,
                stateMaxBytes, shutdownGrace);
    }

    public ServerLimits withMaxConnections(int connections) {
        return new ServerLimits(readTimeout, connections, maxTokensLimit, sessionQueue, sessionWait, sessionTtl,
                stateMaxBytes, shutdownGrace);
    }

    public ServerLimits withMaxTokensLimit(int tokens) {
        return new ServerLimits(readTimeout, maxConnections, tokens, sessionQueue, sessionWait, sessionTtl,
                stateMaxBytes, shutdownGrace);
    }

    public ServerLimits withSessionQueue(int waiting, Duration wait) {
        return new ServerLimits(readTimeout, maxConnections, maxTokensLimit, waiting, wait, sessionTtl,
                stateMaxBytes, shutdownGrace);
    }

    public ServerLimits withSessionTtl(Duration ttl) {
        return new ServerLimits(readTimeout, maxConnections, maxTokensLimit, sessionQueue, sessionWait, ttl,
                stateMaxBytes, shutdownGrace);
    }

    public ServerLimits withStateMaxBytes(long bytes) {
        return new ServerLimits(readTimeout, maxConnections, maxTokensLimit, sessionQueue, sessionWait, sessionTtl,
                bytes, shutdownGrace);
    }

    public ServerLimits withShutdownGrace(Duration grace) {
        return new ServerLimits(readTimeout, maxConnections, maxTokensLimit, sessionQueue, sessionWait, sessionTtl,
                stateMaxBytes, grace);
    }

    private static void positive(String option, Duration duration) {
        if (duration == null || duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException(option + " must be a positive duration, got " + duration);
        }
    }

    private static void notNegative(String option, Duration duration) {
        if (duration == null || duration.isNegative()) {
            throw new IllegalArgumentException(option + " must not be negative, got " + duration);
        }
    }
}
