package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.RenderedChat;
import jakarta.servlet.http.HttpServletResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * OpenAI's Responses API, as far as text goes: {@code POST /v1/responses} (whole, or streamed as the
 * API's named events), {@code GET} and {@code DELETE /v1/responses/{id}}.
 *
 * <p>{@code previous_response_id} continues a stored response in the session it ran in: a response started
 * without one opens a session named after itself (or the one X-Session-Id names), and every response that
 * continues the chain runs there, so the conversation so far is found in that session's KV cache and only
 * the new input is read. With {@code store: false} and no session named, the response runs in a temporary session.
 */
final class ResponsesEndpoint {
    static final String PATH = "/v1/responses";
    private static final Logger LOG = LoggerFactory.getLogger(ResponsesEndpoint.class);
    /** Responses remembered per session the server may hold: enough for long chains, bounded memory. */
    private static final int RESPONSES_PER_SESSION = 16;

    private final Supplier<ModelService> service;
    private final ServerOptions options;
    private final InFlight inFlight;
    private final ServerMetrics metrics;
    private final ResponseStore stored;

    ResponsesEndpoint(Supplier<ModelService> service, ServerOptions options, InFlight inFlight, ServerMetrics metrics) {
        this.service = service;
        this.options = options;
        this.inFlight = inFlight;
        this.metrics = metrics;
        this.stored = new ResponseStore(Math.max(1024, options.maxSessions() * RESPONSES_PER_SESSION));
    }

    void register(JavalinConfig config) {
        config.routes.post(PATH, this::create);
        config.routes.get(PATH + "/{id}", this::retrieve);
        config.routes.delete(PATH + "/{id}", this::delete);
    }

    private void retrieve(Context ctx) {
        ResponseStore.Stored response = stored.get(ctx.pathParam("id")).orElseThrow(() -> notFound(ctx.pathParam("id"), "id"));
        ctx.contentType("application/json").result(CompletionEndpoint.json(response.response()));
    }

    private void delete(Context ctx) {
        String id = ctx.pathParam("id");
        if (!stored.delete(id)) {
            throw notFound(id, "id");
        }
        ctx.contentType("application/json").result(CompletionEndpoint.json(ResponsesJson.deleted(id)));
    }

    private static ApiError notFound(String id, String param) {
        return ApiError.notFound("no stored response '" + id + "' (responses are kept in memory while the server runs,"
                + " the least recently used forgotten first)", param, "response_not_found");
    }

    private void create(Context ctx) throws IOException {
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
        ResponsesRequest request = ResponsesRequest.parse(EndpointSupport.readJson(ctx, options, metrics));
        ServedModel model = loaded.model();
        if (!request.model().equals(model.id())) {
            throw ApiError.notFound("the model '" + request.model() + "' does not exist; this server serves '" + model.id() + "'",
                    "model", "model_not_found");
        }
        EndpointSupport.checkBudget(request.maxOutputTokens(), "max_output_tokens", options);
        Optional<ResponseStore.Stored> previous = Optional.empty();
        if (request.previousResponseId() != null) {
            previous = Optional.of(stored.get(request.previousResponseId())
                    .orElseThrow(() -> notFound(request.previousResponseId(), "previous_response_id")));
        }
        String id = EndpointSupport.randomId("resp_");
        List<ChatMessage> conversation = new ArrayList<>(previous.map(ResponseStore.Stored::conversation).orElse(List.of()));
        conversation.addAll(request.input());
        List<ChatMessage> messages = new ArrayList<>();
        if (request.instructions() != null) {
            messages.add(new ChatMessage("system", request.instructions()));
        }
        messages.addAll(conversation);
        String sessionId = sessionId(ctx, request, previous, id);

        CompletionRequest turn = new CompletionRequest(CompletionRequest.Kind.CHAT, request.model(), messages, null,
                request.maxOutputTokens(), request.temperature(), request.topP(), List.of(), null, request.stream(), false,
                request.user(), 0f, 0f);
        RenderedChat prompt = model.render(turn);
        int[] tokens = EndpointSupport.promptTokens(model, prompt, "input");
        ResponsesJson.Identity identity = new ResponsesJson.Identity(id, EndpointSupport.randomId("msg_"),
                System.currentTimeMillis() / 1000, model.id(), request);
        SessionStore.Lease lease = loaded.sessions().acquire(sessionId);
        try {
            if (sessionId != null) {
                ctx.header(CompletionEndpoint.SESSION_HEADER, sessionId);
            }
            if (request.stream()) {
                stream(ctx.res(), loaded, turn, prompt, tokens, lease, identity, conversation, start);
            } else {
                BooleanSupplier clientGone = ClientConnection.of(ctx.req(), () -> ctx.header("Connection", "close"));
                ModelService.Outcome outcome = loaded.run(turn, prompt, tokens, lease, start, clientGone, text -> { });
                lease.close();
                ObjectNode response = ResponsesJson.finished(identity, outcome);
                remember(identity, lease.sessionId(), conversation, outcome, response);
                ctx.contentType("application/json").result(CompletionEndpoint.json(response));
            }
        } finally {
            lease.close();
        }
    }

    /** X-Session-Id first; else the chain's session; else, for a stored response, a new session named after it. */
    private String sessionId(Context ctx, ResponsesRequest request, Optional<ResponseStore.Stored> previous, String id) {
        String header = ctx.header(CompletionEndpoint.SESSION_HEADER);
        if (header != null) {
            return CompletionEndpoint.sessionId(header, null);
        }
        if (previous.isPresent() && previous.get().sessionId() != null) {
            return previous.get().sessionId();
        }
        if (options.sessionFromUser() && request.user() != null && !request.user().isEmpty()) {
            return CompletionEndpoint.sessionId(null, request.user());
        }
        return request.store() ? id : null;
    }

    private void remember(ResponsesJson.Identity identity, String sessionId, List<ChatMessage> conversation,
                          ModelService.Outcome outcome, ObjectNode response) {
        if (!identity.request().store()) {
            return;
        }
        List<ChatMessage> withAnswer = new ArrayList<>(conversation);
        withAnswer.add(new ChatMessage("assistant", outcome.text()));
        stored.put(identity.id(), new ResponseStore.Stored(sessionId, withAnswer, response));
    }

    private void stream(HttpServletResponse response, ModelService loaded, CompletionRequest turn, RenderedChat prompt,
                        int[] tokens, SessionStore.Lease lease, ResponsesJson.Identity identity,
                        List<ChatMessage> conversation, long start) throws IOException {
        response.setStatus(200);
        response.setContentType("text/event-stream");
        response.setCharacterEncoding("utf-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        try (SseChannel channel = new SseChannel(response.getOutputStream())) {
            Events events = new Events(channel);
            ObjectNode inProgress = ResponsesJson.inProgress(identity);
            events.send(ResponsesJson.event("response.created", 0).set("response", inProgress));
            events.send(ResponsesJson.event("response.in_progress", 0).set("response", inProgress));
            events.send(ResponsesJson.event("response.output_item.added", 0).put("output_index", 0)
                    .set("item", ResponsesJson.message(identity, null, "in_progress")));
            events.send(part(identity, "response.content_part.added").set("part", ResponsesJson.textPart("")));
            try {
                ModelService.Outcome outcome = loaded.run(turn, prompt, tokens, lease, start, channel::clientGone,
                        text -> events.send(withNoLogprobs(part(identity, "response.output_text.delta").put("delta", text))));
                lease.close();
                ObjectNode finished = ResponsesJson.finished(identity, outcome);
                remember(identity, lease.sessionId(), conversation, outcome, finished);
                events.send(withNoLogprobs(part(identity, "response.output_text.done").put("text", outcome.text())));
                events.send(part(identity, "response.content_part.done").set("part", ResponsesJson.textPart(outcome.text())));
                events.send(ResponsesJson.event("response.output_item.done", 0).put("output_index", 0)
                        .set("item", finished.get("output").get(0)));
                String last = "completed".equals(finished.get("status").asText()) ? "response.completed" : "response.incomplete";
                events.send(ResponsesJson.event(last, 0).set("response", finished));
            } catch (ApiError e) {
                events.send(error(e));
            } catch (IOException | RuntimeException e) {
                LOG.error("a streamed response failed", e);
                events.send(error(CompletionEndpoint.internalError(e)));
            }
        }
    }

    /** An event about the one content part of the one message item. */
    private static ObjectNode part(ResponsesJson.Identity identity, String type) {
        ObjectNode event = ResponsesJson.event(type, 0);
        event.put("item_id", identity.itemId());
        event.put("output_index", 0);
        event.put("content_index", 0);
        return event;
    }

    private static ObjectNode withNoLogprobs(ObjectNode event) {
        event.putArray("logprobs");
        return event;
    }

    /** The Responses API's error event: the failure after the stream began. */
    private static ObjectNode error(ApiError e) {
        ObjectNode event = ResponsesJson.event("error", 0);
        event.put("code", e.code());
        event.put("message", e.getMessage());
        event.put("param", e.param());
        return event;
    }

    /** Numbers the events in the order they are sent, as the API's sequence_number. */
    private static final class Events {
        private final SseChannel channel;
        private int sequence;

        Events(SseChannel channel) {
            this.channel = channel;
        }

        void send(ObjectNode event) {
            event.put("sequence_number", sequence++);
            channel.send(event.get("type").asText(), CompletionEndpoint.json(event));
        }
    }
}
