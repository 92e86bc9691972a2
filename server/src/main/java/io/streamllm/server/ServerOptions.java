package io.streamllm.server;

import java.nio.file.Path;
import java.util.List;

/**
 * How a server runs.
 *
 * @param host             address to bind (127.0.0.1 unless told otherwise)
 * @param port             port to bind; 0 picks a free one
 * @param apiKey           the bearer token /v1 requests must carry, or null for none
 * @param maxSessions      sessions kept in memory at most (each holds a KV cache)
 * @param stateDir         where sessions are saved after every turn, or null to keep them in memory only
 * @param maxBodyBytes     largest request body accepted
 * @param defaultMaxTokens tokens generated when a request gives no max_tokens
 * @param limits           timeouts, connections, answer length, session queue, retention, shutdown grace
 * @param sessionFromUser  whether a request without X-Session-Id is put in the session its {@code user} field names
 * @param corsOrigins      origins whose web pages may call the API (CORS); empty: none, {@code *}: any
 */
public record ServerOptions(String host, int port, String apiKey, int maxSessions, Path stateDir, long maxBodyBytes,
                            int defaultMaxTokens, ServerLimits limits, boolean sessionFromUser, List<String> corsOrigins) {
    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final int DEFAULT_PORT = 8080;
    public static final int DEFAULT_MAX_SESSIONS = 128;
    public static final long DEFAULT_MAX_BODY_BYTES = 8L << 20;
    public static final int DEFAULT_MAX_TOKENS = 256;

    public ServerOptions {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be 0..65535, got " + port);
        }
        if (maxSessions < 1) {
            throw new IllegalArgumentException("--max-sessions must be at least 1, got " + maxSessions);
        }
        if (maxBodyBytes < 1024) {
            throw new IllegalArgumentException("--max-body must be at least 1024 bytes, got " + maxBodyBytes);
        }
        if (defaultMaxTokens < 1) {
            throw new IllegalArgumentException("--default-max-tokens must be at least 1, got " + defaultMaxTokens);
        }
        if (apiKey != null && apiKey.isBlank()) {
            throw new IllegalArgumentException("--api-key must not be empty");
        }
        if (defaultMaxTokens > limits.maxTokensLimit()) {
            throw new IllegalArgumentException("--default-max-tokens " + defaultMaxTokens + " is above --max-tokens-limit "
                    + limits.maxTokensLimit());
        }
        corsOrigins = List.copyOf(corsOrigins);
    }

    /** Local defaults: 127.0.0.1, a free port, no key, memory only. */
    public static ServerOptions local() {
        return new ServerOptions(DEFAULT_HOST, 0, null, DEFAULT_MAX_SESSIONS, null, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_TOKENS,
                ServerLimits.defaults(), false, List.of());
    }

    public ServerOptions withPort(int newPort) {
        return new ServerOptions(host, newPort, apiKey, maxSessions, stateDir, maxBodyBytes, defaultMaxTokens, limits, sessionFromUser,
                corsOrigins);
    }

    public ServerOptions withApiKey(String key) {
        return new ServerOptions(host, port, key, maxSessions, stateDir, maxBodyBytes, defaultMaxTokens, limits, sessionFromUser,
                corsOrigins);
    }

    public ServerOptions withMaxSessions(int sessions) {
        return new ServerOptions(host, port, apiKey, sessions, stateDir, maxBodyBytes, defaultMaxTokens, limits, sessionFromUser,
                corsOrigins);
    }

    public ServerOptions withStateDir(Path directory) {
        return new ServerOptions(host, port, apiKey, maxSessions, directory, maxBodyBytes, defaultMaxTokens, limits, sessionFromUser,
                corsOrigins);
    }

    public ServerOptions withMaxBodyBytes(long bytes) {
        return new ServerOptions(host, port, apiKey, maxSessions, stateDir, bytes, defaultMaxTokens, limits, sessionFromUser,
                corsOrigins);
    }

    public ServerOptions withLimits(ServerLimits newLimits) {
        return new ServerOptions(host, port, apiKey, maxSessions, stateDir, maxBodyBytes, defaultMaxTokens, newLimits,
                sessionFromUser, corsOrigins);
    }

    public ServerOptions withSessionFromUser(boolean fromUser) {
        return new ServerOptions(host, port, apiKey, maxSessions, stateDir, maxBodyBytes, defaultMaxTokens, limits,
                fromUser, corsOrigins);
    }

    public ServerOptions withCorsOrigins(List<String> origins) {
        return new ServerOptions(host, port, apiKey, maxSessions, stateDir, maxBodyBytes, defaultMaxTokens, limits,
                sessionFromUser, origins);
    }
}
