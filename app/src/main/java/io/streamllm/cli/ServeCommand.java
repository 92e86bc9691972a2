package io.streamllm.cli;

import io.streamllm.StreamllmException;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import io.streamllm.server.ServedModel;
import io.streamllm.server.ServerOptions;
import io.streamllm.server.StreamllmServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serves the model over an OpenAI-compatible HTTP API (chat completions, completions, streaming).",
                "Each session (X-Session-Id header or the user field) keeps its KV cache, so a client re-sending the whole"
                        + " conversation pays only for the new tokens, and the attention-sink cache lets it go on for ever."})
final class ServeCommand implements Callable<Integer> {

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

    @Option(names = "--special-in-content",
            description = "parse special-token text in messages and prompts (e.g. </s>) as those tokens; by default it is"
                    + " plain text, and only the chat template's own markup is special")
    boolean specialInContent;

    @Override
    public Integer call() throws InterruptedException {
        if (cacheOptions.cache != null && CachePolicy.parse(cacheOptions.cache).windowTokens() == CachePolicy.UNBOUNDED) {
            // Checked again once the model is loaded (ServedModel); here it fails before the port opens.
            throw new StreamllmException("serve needs a bounded cache so that conversations never outgrow it:"
                    + " use --cache sink:S:W (or window:W, recompute:W), not " + cacheOptions.cache);
        }
        String key = apiKey != null ? apiKey : System.getenv("STREAMLLM_API_KEY");
        ServerOptions options = new ServerOptions(host, port, key, maxSessions, stateDir, parseSize(maxBody), defaultMaxTokens);
        modelOptions.pool();
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
        Console.status(String.format("serving %s on %s | cache %s (%s per session) | up to %d sessions | %s%s",
                model.id(), server.baseUrl(), model.policy().spec(), Console.bytes(model.sessionBytes()), maxSessions,
                stateDir == null ? "sessions in memory only" : "state in " + stateDir,
                key == null ? "" : " | API key required"));
        server.awaitStop();
        return 0;
    }

    private ServedModel loadModel() {
        Model model = modelOptions.load();
        try {
            CachePolicy policy = cacheOptions.policy(model.config(), -1); // conversations are unbounded
            return new ServedModel(model, policy, cacheOptions.prefillChunk, cacheOptions.evictChunk, specialInContent);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** "4096", "512k", "8m" to bytes. */
    static long parseSize(String text) {
        String size = text.trim().toLowerCase(Locale.ROOT);
        long unit = 1;
        if (size.endsWith("k")) {
            unit = 1L << 10;
        } else if (size.endsWith("m")) {
            unit = 1L << 20;
        }
        try {
            long value = Long.parseLong(unit == 1 ? size : size.substring(0, size.length() - 1));
            if (value < 0 || value > Integer.MAX_VALUE / unit) {
                throw new NumberFormatException();
            }
            return value * unit;
        } catch (NumberFormatException e) {
            throw new StreamllmException("--max-body must be a size such as 65536, 512k or 8m (below 2 GiB), got '" + text + "'");
        }
    }
}
