package io.streamllm.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.Javalin;
import io.javalin.compression.CompressionStrategy;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HandlerType;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.javalin.http.staticfiles.StaticFileConfig;
import io.javalin.plugin.bundled.CorsPlugin;
import io.streamllm.api.StreamllmException;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;

/**
 * {@code streamllm serve}: an OpenAI-compatible HTTP server (Javalin on Jetty 12, a virtual thread per
 * request) whose conversations never run out of context. The port opens first and the model loads
 * behind it, so that {@code /health} answers 503 until requests can be served.
 *
 * <p>Endpoints: {@code POST /v1/chat/completions}, {@code POST /v1/completions} (whole or streamed),
 * {@code GET /v1/models[/{id}]}, {@code GET|DELETE /v1/sessions/{id}}, {@code GET /health},
 * {@code GET /metrics} (Prometheus) and {@code GET /} (the web page).
 */
public final class StreamllmServer implements AutoCloseable {
    static {
        // Jetty and Javalin log through SLF4J: warnings only, unless the user configured otherwise.
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            // Javalin logs a failed start before rethrowing; the server reports it in one line of its own.
            System.setProperty("org.slf4j.simpleLogger.log.io.javalin.Javalin", "off");
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(StreamllmServer.class);
    /** After the shutdown grace, how long the ended streams get to send their last events. */
    private static final Duration LAST_EVENTS = Duration.ofSeconds(5);
    private static final String WEB_DIRECTORY = "/web";
    private static final Set<String> ROUTES = Set.of("/", "/health", "/metrics", "/v1/models",
            CompletionRequest.Kind.CHAT.path(), CompletionRequest.Kind.COMPLETION.path(), "/v1/embeddings");

    private final ServerOptions options;
    private final ServerMetrics metrics = new ServerMetrics();
    private final long startedSeconds = System.currentTimeMillis() / 1000;
    private final CountDownLatch loaded = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);
    private final InFlight inFlight = new InFlight();
    private volatile ModelService service;
    private volatile Throwable loadFailure;
    private Javalin app;

    private StreamllmServer(ServerOptions options) {
        this.options = options;
    }

    /**
     * Opens the port, then loads the model on a thread of its own with {@code loader}; see
     * {@link #awaitReady()}.
     */
    public static StreamllmServer start(ServerOptions options, Callable<ServedModel> loader) {
        StreamllmServer server = new StreamllmServer(options);
        server.app = Javalin.create(server::configure);
        try {
            server.app.start(options.host(), options.port());
        } catch (RuntimeException e) {
            throw new StreamllmException("cannot listen on " + options.host() + ":" + options.port() + ": "
                    + rootMessage(e));
        }
        for (Connector connector : server.app.jettyServer().server().getConnectors()) {
            if (connector instanceof ServerConnector serverConnector) {
                // A connection quiet this long while its headers or body are read is closed. While a request is
                // handled (a generation, however long) the servlet container ignores it: only reads and writes time out.
                serverConnector.setIdleTimeout(options.limits().readTimeout().toMillis());
            }
        }
        Thread.ofPlatform().name("streamllm-model-loader").daemon().start(() -> server.load(loader));
        return server;
    }

    private void load(Callable<ServedModel> loader) {
        try {
            ServedModel model = loader.call();
            try {
                ModelService started = ModelService.start(model, options, metrics);
                metrics.attach(started);
                service = started;
            } catch (RuntimeException | Error e) {
                model.close();
                throw e;
            }
        } catch (Throwable e) {
            loadFailure = e;
        } finally {
            loaded.countDown();
        }
    }

    private void configure(JavalinConfig config) {
        config.startup.showJavalinBanner = false;
        config.startup.showOldJavalinVersionWarning = false;
        config.concurrency.useVirtualThreads = true;
        config.http.prefer405over404 = true;
        config.http.maxRequestSize = options.maxBodyBytes();
        config.http.compressionStrategy = CompressionStrategy.NONE; // streamed chunks must not wait in a gzip buffer
        config.requestLogger.http((ctx, millis) -> metrics.request(endpointLabel(ctx.path()), ctx.statusCode()));
        // Beyond the cap the server stops accepting until a connection closes (slow or idle clients cannot take all descriptors).
        config.jetty.modifyServer(server -> server.addBean(new NetworkConnectionLimit(options.limits().maxConnections(), server)));
        if (!options.corsOrigins().isEmpty()) {
            config.registerPlugin(new CorsPlugin(cors -> cors.addRule(rule -> {
                if (options.corsOrigins().contains("*")) {
                    rule.anyHost();
                } else {
                    try {
                        options.corsOrigins().forEach(rule::allowHost);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("--cors-origin: " + e.getMessage(), e);
                    }
                }
                rule.exposeHeader(CompletionEndpoint.SESSION_HEADER);
            })));
        }

        config.routes.before("/v1/*", this::authenticate);
        config.routes.before("/api/*", this::authenticate);
        LlamaServerExtras.PATHS.forEach(path -> config.routes.before(path, this::authenticate));
        config.staticFiles.add(StreamllmServer::webPage);
        config.routes.get("/health", this::health);
        config.routes.get("/metrics", ctx -> {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            metrics.write(out);
            ctx.contentType(metrics.contentType()).result(out.toByteArray());
        });
        config.routes.get("/v1/models", ctx -> json(ctx, OpenAiJson.modelList(ready().model(), startedSeconds)));
        config.routes.get("/v1/models/{model}", ctx -> {
            ServedModel model = ready().model();
            if (!model.id().equals(ctx.pathParam("model"))) {
                throw ApiError.notFound("the model '" + ctx.pathParam("model") + "' does not exist; this server serves '"
                        + model.id() + "'", "model", "model_not_found");
            }
            json(ctx, OpenAiJson.model(model, startedSeconds));
        });
        for (CompletionRequest.Kind kind : CompletionRequest.Kind.values()) {
            CompletionEndpoint endpoint = new CompletionEndpoint(kind, this::ready, options, inFlight, metrics);
            config.routes.post(kind.path(), endpoint::handle);
        }
        config.routes.post("/v1/embeddings", new EmbeddingEndpoint(this::ready, options, inFlight, metrics)::handle);
        new ResponsesEndpoint(this::ready, options, inFlight, metrics).register(config);
        new OllamaApi(this::ready, options, inFlight, metrics, startedSeconds).register(config);
        new LlamaServerExtras(this::ready, options, metrics).register(config);
        config.routes.get("/v1/sessions/{id}", this::describeSession);
        config.routes.delete("/v1/sessions/{id}", this::deleteSession);

        config.routes.exception(ApiError.class, (error, ctx) -> {
            if (error.retryAfterSeconds() > 0) {
                ctx.header("Retry-After", Long.toString(error.retryAfterSeconds()));
            }
            json(ctx.status(error.status()), errorBody(ctx, error));
        });
        config.routes.exception(Exception.class, (error, ctx) -> {
            LOG.error("request " + ctx.method() + " " + ctx.path() + " failed", error);
            json(ctx.status(500), errorBody(ctx, CompletionEndpoint.internalError(error)));
        });
        // Javalin's own refusals (no such route, wrong method, ...) in OpenAI's error format too.
        config.routes.exception(HttpResponseException.class, (error, ctx) -> json(ctx.status(error.getStatus()),
                errorBody(ctx, routingError(error, ctx))));
    }

    /** An error in the style of the API asked: Ollama's {"error": "..."} under /api/, OpenAI's everywhere else. */
    private static com.fasterxml.jackson.databind.JsonNode errorBody(Context ctx, ApiError error) {
        return ctx.path().startsWith(OllamaApi.PREFIX) ? OllamaJson.error(error) : OpenAiJson.error(error);
    }

    private static ApiError routingError(HttpResponseException error, Context ctx) {
        return switch (error.getStatus()) {
            case 404 -> ApiError.notFound("unknown endpoint " + ctx.method() + " " + ctx.path()
                    + "; see GET /v1/models, POST /v1/chat/completions, POST /v1/completions", null, "unknown_url");
            case 405 -> new ApiError(405, "invalid_request_error", "method " + ctx.method() + " is not allowed on "
                    + ctx.path() + (error.getDetails().isEmpty() ? "" : " (allowed: "
                    + String.join(", ", error.getDetails().values()) + ")"), null, "method_not_allowed");
            default -> new ApiError(error.getStatus(), error.getStatus() >= 500 ? "server_error" : "invalid_request_error",
                    error.getMessage(), null, null);
        };
    }

    /** Checks {@code Authorization: Bearer <key>} when the server has a key (not on CORS preflights: browsers send none). */
    private void authenticate(Context ctx) {
        if (options.apiKey() == null || ctx.method() == HandlerType.OPTIONS) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw ApiError.unauthorized("you did not provide an API key: send the header 'Authorization: Bearer <key>'");
        }
        byte[] given = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(given, options.apiKey().getBytes(StandardCharsets.UTF_8))) {
            throw ApiError.unauthorized("incorrect API key provided");
        }
    }

    private void health(Context ctx) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        Throwable failure = loadFailure;
        if (service != null) {
            body.put("status", "ok");
            body.put("model", service.model().id());
        } else if (failure != null) {
            ctx.status(503);
            body.put("status", "failed");
            body.put("error", rootMessage(failure));
        } else {
            ctx.status(503);
            body.put("status", "loading");
        }
        json(ctx, body);
    }

    private void describeSession(Context ctx) {
        String id = ctx.pathParam("id");
        Optional<Transcript> transcript = ready().sessions().describe(id);
        if (transcript.isEmpty()) {
            throw ApiError.notFound("no session '" + id + "'", "id", "session_not_found");
        }
        boolean withTokens = "tokens".equals(ctx.queryParam("include"));
        json(ctx, OpenAiJson.session(transcript.get(), withTokens));
    }

    private void deleteSession(Context ctx) throws IOException {
        String id = ctx.pathParam("id");
        if (!ready().sessions().delete(id)) {
            throw ApiError.notFound("no session '" + id + "'", "id", "session_not_found");
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        body.put("id", id);
        body.put("object", "session.deleted");
        body.put("deleted", true);
        json(ctx, body);
    }

    /** The loaded model; 503 while it loads (or when loading failed). */
    ModelService ready() {
        ModelService loadedService = service;
        if (loadedService != null) {
            return loadedService;
        }
        Throwable failure = loadFailure;
        throw ApiError.unavailable(failure == null ? "the model is still loading; retry when GET /health says ok"
                : "the model failed to load: " + rootMessage(failure), failure == null ? "model_loading" : "model_failed");
    }

    private static void json(Context ctx, com.fasterxml.jackson.databind.JsonNode body) {
        ctx.contentType("application/json").result(CompletionEndpoint.json(body));
    }

    /** Metric label of a path: the route template, so that ids do not multiply the series. */
    private static String endpointLabel(String path) {
        if (ROUTES.contains(path)) {
            return path;
        }
        if (path.startsWith("/v1/sessions/")) {
            return "/v1/sessions/{id}";
        }
        if (path.startsWith("/v1/models/")) {
            return "/v1/models/{model}";
        }
        if (path.equals(ResponsesEndpoint.PATH) || OllamaApi.ROUTES.contains(path) || LlamaServerExtras.PATHS.contains(path)) {
            return path;
        }
        if (path.startsWith(ResponsesEndpoint.PATH + "/")) {
            return ResponsesEndpoint.PATH + "/{id}";
        }
        if (path.startsWith("/slots/")) {
            return "/slots/{id}";
        }
        return "other";
    }

    /** Waits for the model; returns it once requests are served, or throws why loading failed. */
    public ServedModel awaitReady() throws InterruptedException {
        loaded.await();
        Throwable failure = loadFailure;
        if (failure instanceof StreamllmException e) {
            throw e;
        }
        if (failure != null) {
            throw new StreamllmException("the model failed to load: " + rootMessage(failure));
        }
        return service.model();
    }

    public int port() {
        return app.port();
    }

    /** The address clients use, e.g. http://127.0.0.1:8080. */
    public String baseUrl() {
        String host = options.host().contains(":") ? "[" + options.host() + "]" : options.host();
        return "http://" + host + ":" + port();
    }

    /** The sessions (for tests that hold one). */
    SessionStore sessions() {
        return ready().sessions();
    }

    /** Blocks until {@link #close()}. */
    public void awaitStop() throws InterruptedException {
        stopped.await();
    }

    /**
     * Stops: refuses new connections and requests at once, lets the answers in flight finish for up to the
     * shutdown grace, then ends the generations still running (their streams get a last chunk with
     * finish_reason "length" and [DONE]), and closes.
     */
    @Override
    public synchronized void close() {
        if (stopped.getCount() == 0) {
            return;
        }
        inFlight.stopAdmitting();
        for (Connector connector : app.jettyServer().server().getConnectors()) {
            if (connector instanceof NetworkConnector network) {
                network.close();
            }
        }
        try {
            if (!inFlight.awaitNone(options.limits().shutdownGrace()) && service != null) {
                service.endGenerations();
                inFlight.awaitNone(LAST_EVENTS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
        ModelService loadedService = service;
        if (loadedService != null) {
            loadedService.close();
        }
        stopped.countDown();
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }

    /**
     * The chat page at {@code /}: the files of {@code web/} in the jar. The page loads nothing from
     * elsewhere, which the Content-Security-Policy enforces (no inline script, no other origin).
     */
    private static void webPage(StaticFileConfig files) {
        files.hostedPath = "/";
        files.directory = WEB_DIRECTORY;
        files.location = Location.CLASSPATH;
        files.headers = Map.of(
                "Content-Security-Policy", "default-src 'self'; object-src 'none';"
                        + " base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
                "X-Content-Type-Options", "nosniff",
                "Cache-Control", "no-cache"); // revalidate (ETag), so that a new server version's page is used at once
    }
}
