package io.streamllm.server;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import io.javalin.http.Context;
import io.streamllm.api.TokenLogprob;
import io.streamllm.chat.RenderedChat;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * {@code POST /v1/chat/completions} and {@code POST /v1/completions}: reads and checks the request,
 * takes its session (named by the X-Session-Id header, or the user field with --session-from-user;
 * none: a temporary one), runs the turn and answers whole or as server-sent events.
 *
 * <p>Everything that can be refused is refused before the answer starts (as an HTTP error); once
 * streaming, a failure is sent as a {@code data: {"error": ...}} event, as OpenAI does.
 */
final class CompletionEndpoint {
    static final String SESSION_HEADER = "X-Session-Id";
    private static final Logger LOG = LoggerFactory.getLogger(CompletionEndpoint.class);
    private static final int MAX_SESSION_ID_LENGTH = 256;
    private static final String ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";

    private final CompletionRequest.Kind kind;
    private final Supplier<ModelService> service;
    private final ServerOptions options;
    private final InFlight inFlight;
    private final ServerMetrics metrics;

    CompletionEndpoint(CompletionRequest.Kind kind, Supplier<ModelService> service, ServerOptions options, InFlight inFlight,
                       ServerMetrics metrics) {
        this.kind = kind;
        this.service = service;
        this.options = options;
        this.inFlight = inFlight;
        this.metrics = metrics;
    }

    void handle(Context ctx) throws IOException {
        if (!inFlight.enter()) {
            ctx.header("Connection", "close");
            throw ApiError.unavailable("the server is shutting down; retry on another one or once it is back", "shutting_down");
        }
        try {
            answer(ctx);
        } finally {
            inFlight.exit();
        }
    }

    private void answer(Context ctx) throws IOException {
        long start = System.nanoTime();
        ModelService loaded = service.get();
        requireJson(ctx.contentType());
        CompletionRequest request = RequestParser.parse(readBody(ctx, options.maxBodyBytes(), options, metrics), kind);
        ServedModel model = loaded.model();
        if (!request.model().equals(model.id())) {
            throw ApiError.notFound("the model '" + request.model() + "' does not exist; this server serves '" + model.id() + "'",
                    "model", "model_not_found");
        }
        int maxTokensLimit = options.limits().maxTokensLimit();
        if (request.maxTokens() != null && request.maxTokens() > maxTokensLimit) {
            throw ApiError.invalid("max_tokens", "max_tokens is " + request.maxTokens() + ", above this server's limit of "
                    + maxTokensLimit + " (serve --max-tokens-limit)");
        }
        int vocabulary = model.model().info().vocabularySize();
        for (int token : request.logitBias().keySet()) {
            if (token >= vocabulary) {
                throw ApiError.invalid("logit_bias", "logit_bias names token " + token + ", outside the vocabulary (0.."
                        + (vocabulary - 1) + ")");
            }
        }
        String sessionId = sessionId(ctx.header(SESSION_HEADER), options.sessionFromUser() ? request.user() : null);
        ToolTurn tools = new ToolTurn(request.tools(), model.template().toolCallFormat());
        if (tools.active() && (request.n() > 1 || request.wantsLogprobs())) {
            throw ApiError.invalid(request.n() > 1 ? "n" : "logprobs",
                    "tool calls come with one choice and without log-probabilities here; send n 1 and no logprobs with tools");
        }
        RenderedChat prompt = tools.prefilled(model.render(request));
        int[] tokens = model.encode(prompt);
        if (tokens.length == 0) {
            throw ApiError.invalid(kind == CompletionRequest.Kind.CHAT ? "messages" : "prompt",
                    "the prompt is empty and the model has no BOS token to start from; send some text");
        }
        OpenAiJson.Answer answer = new OpenAiJson.Answer(kind, kind.idPrefix + randomId(), System.currentTimeMillis() / 1000,
                model.id());
        OpenAiJson.Extras extras = extras(loaded, request, tokens);
        SessionStore.Lease lease = loaded.sessions().acquire(sessionId);
        try {
            if (sessionId != null) {
                ctx.header(SESSION_HEADER, sessionId);
            }
            if (request.stream()) {
                stream(ctx.res(), loaded, request, prompt, tokens, lease, answer, extras, start, tools);
            } else {
                BooleanSupplier clientGone = ClientConnection.of(ctx.req(), () -> ctx.header("Connection", "close"));
                ModelService.Outcome outcome = loaded.run(request, prompt, tokens, lease, start, clientGone,
                        (choice, text, logprobs) -> { });
                lease.close();
                var completion = OpenAiJson.completion(answer, outcome, extras);
                ctx.contentType("application/json").result(json(tools.active() ? tools.rewrite(completion, outcome.text()) : completion));
            }
        } finally {
            lease.close();
        }
    }

    /** The request's log-probability format and echo; an echo with log-probabilities scores the prompt first. */
    private static OpenAiJson.Extras extras(ModelService loaded, CompletionRequest request, int[] tokens) {
        if (!request.wantsLogprobs() && !request.echo()) {
            return OpenAiJson.Extras.NONE;
        }
        LogprobJson format = request.wantsLogprobs() ? new LogprobJson(loaded.model().model().tokenizer()) : null;
        List<TokenLogprob> promptLogprobs = new ArrayList<>();
        if (request.echo() && format != null) {
            promptLogprobs.add(new TokenLogprob(tokens[0], Double.NaN, List.of())); // nothing predicted it
            promptLogprobs.addAll(loaded.promptLogprobs(tokens, request.logprobs()));
        }
        return new OpenAiJson.Extras(format, request.echo(), request.prompt(), promptLogprobs);
    }

    private static void stream(HttpServletResponse response, ModelService loaded, CompletionRequest request,
                               RenderedChat prompt, int[] tokens, SessionStore.Lease lease, OpenAiJson.Answer answer,
                               OpenAiJson.Extras extras, long start, ToolTurn tools) throws IOException {
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no"); // proxies: do not buffer the stream
        try (SseChannel events = new SseChannel(response.getOutputStream())) {
            boolean chat = answer.kind() == CompletionRequest.Kind.CHAT;
            int n = request.n();
            LogprobJson logprobs = extras.logprobs();
            int[][] offsets = new int[n][];
            for (int i = 0; i < n; i++) {
                offsets[i] = extras.completionOffset();
                if (chat) {
                    events.send(json(OpenAiJson.textChunk(answer, i, "", true, null))); // the role, at once
                } else if (extras.echo()) {
                    events.send(json(OpenAiJson.textChunk(answer, i, extras.prompt(), false, logprobs == null ? null
                            : logprobs.appendLegacy(LogprobJson.legacy(), extras.promptLogprobs(), new int[]{0}))));
                }
            }
            try {
                ModelService.Outcome outcome;
                if (tools.active()) { // one choice without log-probabilities (checked in handle)
                    ToolTurn.Stream calls = tools.stream(answer, chunk -> events.send(json(chunk)));
                    outcome = loaded.run(request, prompt, tokens, lease, start, events::clientGone, calls);
                    // The turn is committed: free the session before the client hears it is done and sends the next one.
                    lease.close();
                    events.send(json(ToolTurn.finished(OpenAiJson.finishChunk(answer, outcome), calls.finish())));
                } else {
                    outcome = loaded.run(request, prompt, tokens, lease, start, events::clientGone,
                            (choice, text, tokenLogprobs) -> events.send(json(OpenAiJson.textChunk(answer, choice, text,
                                    false, logprobsNode(chat, logprobs, tokenLogprobs, offsets[choice])))));
                    lease.close();
                    for (ModelService.Choice choice : outcome.choices()) {
                        events.send(json(OpenAiJson.finishChunk(answer, outcome, choice, choice.unsent().isEmpty() ? null
                                : logprobsNode(chat, logprobs, choice.unsent(), offsets[choice.index()]))));
                    }
                }
                if (request.includeUsage()) {
                    events.send(json(OpenAiJson.usageChunk(answer, outcome)));
                }
                events.sendDone();
            } catch (ApiError e) {
                events.send(json(OpenAiJson.error(e)));
            } catch (IOException | RuntimeException e) {
                LOG.error("a streamed turn failed", e);
                events.send(json(OpenAiJson.error(internalError(e))));
            }
        }
    }

    /** The log-probabilities of a chunk's tokens in the endpoint's shape; null when none were asked for. */
    private static JsonNode logprobsNode(boolean chat, LogprobJson format, List<TokenLogprob> tokens, int[] offset) {
        if (format == null) {
            return null;
        }
        return chat ? format.chat(tokens) : format.appendLegacy(LogprobJson.legacy(), tokens, offset);
    }

    static ApiError internalError(Exception e) {
        String what = e instanceof IOException ? "the turn could not be saved: " : "internal error: ";
        return new ApiError(500, "server_error", what + e.getMessage(), null, "internal_error");
    }

    /** Refuses a body not declared as JSON: a browser sends such bodies to any origin without asking (CORS) first. */
    static void requireJson(String contentType) {
        String mediaType = contentType == null ? "" : contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        if (!mediaType.equals("application/json") && !(mediaType.startsWith("application/") && mediaType.endsWith("+json"))) {
            throw ApiError.notJson(contentType);
        }
    }

    /** The session a request names: the header first, else (when given) OpenAI's user field; null for none. */
    static String sessionId(String header, String user) {
        String param = header != null ? SESSION_HEADER : "user";
        String id = header != null ? header : (user == null || user.isEmpty() ? null : user);
        if (id == null) {
            return null;
        }
        if (id.isBlank() || id.length() > MAX_SESSION_ID_LENGTH || id.chars().anyMatch(Character::isISOControl)) {
            throw ApiError.invalid(param, "a session id (" + param + ") must be 1 to " + MAX_SESSION_ID_LENGTH
                    + " characters, not blank, without control characters");
        }
        return id;
    }

    /**
     * The request body, refused beyond {@code limit} bytes whether or not the client declared its length.
     * A client that closes its connection, or goes quiet for the read timeout, before the body is complete
     * made a client error: one line in the log, answered (if anyone listens) with 400 or 408.
     */
    static byte[] readBody(Context ctx, long limit, ServerOptions options, ServerMetrics metrics) {
        long declared = ctx.req().getContentLengthLong();
        if (declared > limit) {
            throw ApiError.tooLarge(limit);
        }
        byte[] body;
        try {
            InputStream in = ctx.req().getInputStream();
            body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit + 1));
        } catch (IOException e) {
            boolean timedOut = causedBy(e, TimeoutException.class);
            String what = timedOut ? "sent nothing for " + options.limits().readTimeout().toMillis()
                    + " ms (serve --read-timeout) before its body was complete" : "closed the connection before its body was complete";
            LOG.warn("{} {} from {}: the client {}", ctx.method(), ctx.path(), ctx.ip(), what);
            metrics.clientAborted();
            throw ApiError.clientAborted(timedOut, "the client " + what);
        }
        if (body.length > limit) {
            throw ApiError.tooLarge(limit);
        }
        return body;
    }

    private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
        for (Throwable cause = e; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
            if (type.isInstance(cause)) {
                return true;
            }
        }
        return false;
    }

    static String json(JsonNode node) {
        try {
            return ServerJson.MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON", e);
        }
    }

    private static String randomId() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(24);
        for (int i = 0; i < 24; i++) {
            id.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
        }
        return id.toString();
    }
}
