package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;
import io.streamllm.server.ServedModel;
import io.streamllm.server.ServerLimits;
import io.streamllm.server.ServerOptions;
import io.streamllm.server.StreamllmServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the model over an OpenAI-compatible HTTP API (chat completions, completions, streaming).",
                "Each session (X-Session-Id header) keeps its KV cache, so a client re-sending the whole"
                        + " conversation pays only for the new tokens, and the attention-sink cache lets it go on for ever."})
final class ServeCommand implements Callable<Integer> {
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h|d)");

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    CacheOptions cacheOptions;

    @Option(names = "--host", defaultValue = ServerOptions.DEFAULT_HOST, paramLabel = "ADDRESS",
            description = "address to listen on (default: ${DEFAULT-VALUE}, this machine only; 0.0.0.0 for all)")
    String host;

    @Option(names = "--port", defaultValue = "" + ServerOptions.DEFAULT_PORT, paramLabel = "PORT",
            description = "port to listen on; 0 picks a free one (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "require 'Authorization: Bearer KEY' on /v1 requests (default: $STREAMLLM_API_KEY, else none)")
    String apiKey;

    @Option(names = "--max-sessions", defaultValue = "" + ServerOptions.DEFAULT_MAX_SESSIONS, paramLabel = "N",
            description = "sessions kept in memory, each with its KV cache; the least recently used goes first (default: ${DEFAULT-VALUE})")
    int maxSessions;

    @Option(names = "--state-dir", paramLabel = "DIR",
            description = "save every session after each turn (transcript and cache snapshot) and resume them after a restart")
    Path stateDir;

    @Option(names = "--max-body", defaultValue = "8m", paramLabel = "SIZE",
            description = "largest request body, in bytes or with k/m suffix (default: ${DEFAULT-VALUE})")
    String maxBody;

    @Option(names = "--default-max-tokens", defaultValue = "" + ServerOptions.DEFAULT_MAX_TOKENS, paramLabel = "N",
            description = "tokens to generate when a request sets no max_tokens (default: ${DEFAULT-VALUE})")
    int defaultMaxTokens;

    @Option(names = "--max-tokens-limit", defaultValue = "" + ServerLimits.DEFAULT_MAX_TOKENS_LIMIT, paramLabel = "N",
            description = "largest max_tokens a request may ask for; more is refused with 400 (default: ${DEFAULT-VALUE})")
    int maxTokensLimit;

    @Option(names = "--read-timeout", defaultValue = "30s", paramLabel = "DURATION",
            description = "close a connection that sends nothing for this long while its request headers or body are"
                    + " expected, e.g. 500ms, 30s, 2m (default: ${DEFAULT-VALUE})")
    String readTimeout;

    @Option(names = "--max-connections", defaultValue = "" + ServerLimits.DEFAULT_MAX_CONNECTIONS, paramLabel = "N",
            description = "connections held at once; beyond, new ones wait until one closes (default: ${DEFAULT-VALUE})")
    int maxConnections;

    @Option(names = "--session-queue", defaultValue = "" + ServerLimits.DEFAULT_SESSION_QUEUE, paramLabel = "N",
            description = "requests that may wait for their session while it answers another (default: ${DEFAULT-VALUE})")
    int sessionQueue;

    @Option(names = "--session-wait", defaultValue = "10s", paramLabel = "DURATION",
            description = "how long such a request waits before it gets 409 with Retry-After (default: ${DEFAULT-VALUE})")
    String sessionWait;

    @Option(names = "--session-ttl", defaultValue = "7d", paramLabel = "DURATION",
            description = "delete a session unused for this long, in memory and in --state-dir (default: ${DEFAULT-VALUE})")
    String sessionTtl;

    @Option(names = "--state-max-bytes", defaultValue = "1g", paramLabel = "SIZE",
            description = "delete the least recently used sessions while --state-dir holds more (default: ${DEFAULT-VALUE})")
    String stateMaxBytes;

    @Option(names = "--shutdown-grace", defaultValue = "10s", paramLabel = "DURATION",
            description = "on SIGTERM, let answers in flight go on this long, then end them with finish_reason"
                    + " 'length' (default: ${DEFAULT-VALUE})")
    String shutdownGrace;

    @Option(names = "--session-from-user",
            description = "also name a request's session by OpenAI's 'user' field when it has no X-Session-Id header"
                    + " (off: 'user' names the end user, and two conversations of one user would collide)")
    boolean sessionFromUser;

    @Option(names = "--cors-origin", paramLabel = "ORIGIN", split = ",",
            description = "let web pages from ORIGIN (e.g. https://chat.example.com; * for any) call the API from a"
                    + " browser; repeatable (default: none)")
    List<String> corsOrigins = new ArrayList<>();

    @Option(names = "--special-in-content",
            description = "parse special-token text in messages and prompts (e.g. </s>) as those tokens; by default it is"
                    + " plain text, and only the chat template's own markup is special")
    boolean specialInContent;

    @Override
    public Integer call() throws InterruptedException {
        if (cacheOptions.cache != null && !CachePolicy.parse(cacheOptions.cache).bounded()) {
            // Checked again once the model is loaded (ServedModel); here it fails before the port opens.
            throw new StreamllmException("serve needs a bounded cache so that conversations never outgrow it:"
                    + " use --cache sink:S:W (or window:W, recompute:W, h2o:S:H:W, snapkv:S:K:W), not " + cacheOptions.cache);
        }
        String key = apiKey != null ? apiKey : System.getenv("STREAMLLM_API_KEY");
        ServerLimits limits = new ServerLimits(parseDuration("--read-timeout", readTimeout), maxConnections, maxTokensLimit,
                sessionQueue, parseDuration("--session-wait", sessionWait), parseDuration("--session-ttl", sessionTtl),
                parseSize("--state-max-bytes", stateMaxBytes), parseDuration("--shutdown-grace", shutdownGrace));
        ServerOptions options = new ServerOptions(host, port, key, maxSessions, stateDir, parseSize("--max-body", maxBody),
                defaultMaxTokens, limits, sessionFromUser, corsOrigins);
        modelOptions.loadOptions(); // a bad --threads fails before the port opens
        StreamllmServer server = StreamllmServer.start(options, this::loadModel);
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "streamllm-shutdown"));
        Console.status("listening on " + server.baseUrl() + " (loading the model...)");
        ServedModel model;
        try {
            model = server.awaitReady();
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        Console.status(String.format("serving %s on %s | cache %s, KV %s (%s per session) | up to %d sessions | %s%s",
                model.id(), server.baseUrl(), model.policy().spec(), model.kvType(), Console.bytes(model.sessionBytes()), maxSessions,
                stateDir == null ? "sessions in memory only" : "state in " + stateDir,
                key == null ? "" : " | API key required"));
        server.awaitStop();
        return 0;
    }

    private ServedModel loadModel() {
        StreamingModel model = modelOptions.load();
        try {
            CachePolicy policy = cacheOptions.policy(model.info(), -1); // conversations are unbounded
            return new ServedModel(model, cacheOptions.sessionOptions(policy), specialInContent);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** "4096", "512k", "8m", "1g" to bytes (below 2 GiB for --max-body, below 8 EiB otherwise). */
    static long parseSize(String option, String text) {
        String size = text.trim().toLowerCase(Locale.ROOT);
        long unit = switch (size.isEmpty() ? ' ' : size.charAt(size.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        long max = option.equals("--max-body") ? Integer.MAX_VALUE : Long.MAX_VALUE;
        try {
            long value = Long.parseLong(unit == 1 ? size : size.substring(0, size.length() - 1));
            if (value < 0 || value > max / unit) {
                throw new NumberFormatException();
            }
            return value * unit;
        } catch (NumberFormatException e) {
            throw new StreamllmException(option + " must be a size such as 65536, 512k, 8m or 1g"
                    + (max == Integer.MAX_VALUE ? " (below 2 GiB)" : "") + ", got '" + text + "'");
        }
    }

    /** "500ms", "30s", "10m", "24h", "7d" to a duration. */
    static Duration parseDuration(String option, String text) {
        Matcher matcher = DURATION.matcher(text.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new StreamllmException(option + " must be a duration such as 500ms, 30s, 10m, 24h or 7d, got '" + text + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        return switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            case "h" -> Duration.ofHours(amount);
            default -> Duration.ofDays(amount);
        };
    }
}
