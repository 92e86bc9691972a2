package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.streamllm.chat.RenderedChat;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Ollama's API beside OpenAI's, so that Ollama's clients work unchanged: {@code POST /api/chat} and
 * {@code POST /api/generate} (streamed as NDJSON unless {@code "stream": false}), {@code GET /api/tags},
 * {@code POST /api/show}, {@code GET /api/ps} and {@code GET /api/version}. Errors are Ollama's
 * {@code {"error": "..."}}. Ollama has no sessions: a request runs in the session the X-Session-Id header
 * names (its cache reused for the conversation's common start), else in a temporary one.
 *
 * <p>Ollama's clients often send their JSON without a JSON Content-Type ({@code curl -d}); such a body is
 * read when no browser sent it (no Origin header), so that a web page still cannot make the server work
 * for it without the CORS check.
 */
final class OllamaApi {
    static final String PREFIX = "/api/";
    static final Set<String> ROUTES = Set.of("/api/chat", "/api/generate", "/api/tags", "/api/show", "/api/ps",
            "/api/version");
    /** The version of Ollama's API whose endpoints and fields these follow (clients check it for features). */
    static final String OLLAMA_VERSION = "0.9.0";
    private static final Logger LOG = LoggerFactory.getLogger(OllamaApi.class);

    private final Supplier<ModelService> service;
    private final ServerOptions options;
    private final InFlight inFlight;
    private final ServerMetrics metrics;
    private final Instant started;

    OllamaApi(Supplier<ModelService> service, ServerOptions options, InFlight inFlight, ServerMetrics metrics,
              long startedSeconds) {
        this.service = service;
        this.options = options;
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.started = Instant.ofEpochSecond(startedSeconds);
    }

    void register(JavalinConfig config) {
        config.routes.post("/api/chat", ctx -> generate(ctx, true));
        config.routes.post("/api/generate", ctx -> generate(ctx, false));
        config.routes.get("/api/tags", ctx -> json(ctx, OllamaJson.models(service.get().model(), false, null)));
        config.routes.get("/api/ps", ctx -> json(ctx, OllamaJson.models(service.get().model(), true,
                started.plus(Duration.ofDays(365 * 100))))); // loaded for the server's life
        config.routes.post("/api/show", this::show);
        config.routes.get("/api/version", ctx -> json(ctx, OllamaJson.version(OLLAMA_VERSION)));
    }

    private static void json(Context ctx, JsonNode body) {
        ctx.contentType("application/json").result(CompletionEndpoint.json(body));
    }

    private JsonNode body(Context ctx) {
        return EndpointSupport.fromBrowser(ctx) ? EndpointSupport.readJson(ctx, options, metrics)
                : EndpointSupport.readObject(ctx, options, metrics);
    }

    private void show(Context ctx) {
        ModelService loaded = service.get();
        JsonNode root = body(ctx);
        RequestParser.Fields fields = new RequestParser.Fields(root);
        String name = fields.string("model");
        if (name == null) {
            name = fields.string("name"); // the field's name before Ollama 0.5
        }
        if (name == null) {
            throw ApiError.invalid("model", "model is required");
        }
        requireModel(loaded.model(), name);
        json(ctx, OllamaJson.show(loaded.model()));
    }

    /** Ollama's names: the model's own, or with the tag ":latest" that Ollama adds to a name without one. */
    private static void requireModel(ServedModel model, String name) {
        if (!name.equals(model.id()) && !name.equals(OllamaJson.name(model))) {
            throw ApiError.notFound("model '" + name + "' not found; this server serves '" + OllamaJson.name(model) + "'",
                    "model", "model_not_found");
        }
    }

    private void generate(Context ctx, boolean chat) throws IOException {
        if (!inFlight.enter()) {
            ctx.header("Connection", "close");
            throw ApiError.unavailable("the server is shutting down; retry on another one or once it is back", "shutting_down");
        }
        try {
            answer(ctx, chat);
        } finally {
            inFlight.exit();
        }
    }

    private void answer(Context ctx, boolean chat) throws IOException {
        long start = System.nanoTime();
        ModelService loaded = service.get();
        JsonNode root = body(ctx);
        int limit = options.limits().maxTokensLimit();
        OllamaRequest parsed = chat ? OllamaRequest.chat(root, limit) : OllamaRequest.generate(root, limit);
        ServedModel model = loaded.model();
        requireModel(model, parsed.model());
        if (parsed.request() == null) {
            json(ctx, OllamaJson.loaded(parsed.model(), chat)); // the model is always loaded
            return;
        }
        CompletionRequest request = parsed.request();
        EndpointSupport.checkBudget(request.maxTokens(), "options.num_predict", options);
        String sessionId = CompletionEndpoint.sessionId(ctx.header(CompletionEndpoint.SESSION_HEADER), null);
        RenderedChat prompt = model.render(request);
        int[] tokens = EndpointSupport.promptTokens(model, prompt, chat ? "messages" : "prompt");
        int window = model.windowTokens();
        long[] firstText = {0};
        SessionStore.Lease lease = loaded.sessions().acquire(sessionId);
        try {
            if (sessionId != null) {
                ctx.header(CompletionEndpoint.SESSION_HEADER, sessionId);
            }
            if (parsed.stream()) {
                stream(ctx.res(), loaded, parsed, prompt, tokens, lease, chat, start);
            } else {
                BooleanSupplier clientGone = ClientConnection.of(ctx.req(), () -> ctx.header("Connection", "close"));
                ModelService.Outcome outcome = loaded.run(request, sampling -> parsed.sampling().applyTo(sampling, window),
                        prompt, tokens, lease, start, clientGone, text -> {
                            if (firstText[0] == 0) {
                                firstText[0] = System.nanoTime();
                            }
                        });
                lease.close();
                long end = System.nanoTime();
                json(ctx, OllamaJson.done(parsed.model(), chat, outcome.text(), outcome, end - start,
                        (firstText[0] == 0 ? end : firstText[0]) - start));
            }
        } finally {
            lease.close();
        }
    }

    private static void stream(HttpServletResponse response, ModelService loaded, OllamaRequest parsed, RenderedChat prompt,
                               int[] tokens, SessionStore.Lease lease, boolean chat, long start) throws IOException {
        response.setStatus(200);
        response.setContentType("application/x-ndjson");
        response.setCharacterEncoding("utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        int window = loaded.model().windowTokens();
        long[] firstText = {0};
        try (SseChannel lines = new SseChannel(response.getOutputStream())) {
            try {
                ModelService.Outcome outcome = loaded.run(parsed.request(), sampling -> parsed.sampling().applyTo(sampling, window),
                        prompt, tokens, lease, start, lines::clientGone, text -> {
                            if (firstText[0] == 0) {
                                firstText[0] = System.nanoTime();
                            }
                            lines.sendLine(CompletionEndpoint.json(OllamaJson.piece(parsed.model(), chat, text)));
                        });
                lease.close();
                long end = System.nanoTime();
                lines.sendLine(CompletionEndpoint.json(OllamaJson.done(parsed.model(), chat, "", outcome, end - start,
                        (firstText[0] == 0 ? end : firstText[0]) - start)));
            } catch (ApiError e) {
                lines.sendLine(CompletionEndpoint.json(OllamaJson.error(e)));
            } catch (IOException | RuntimeException e) {
                LOG.error("a streamed Ollama answer failed", e);
                ObjectNode error = OllamaJson.error(CompletionEndpoint.internalError(e));
                lines.sendLine(CompletionEndpoint.json(error));
            }
        }
    }
}
