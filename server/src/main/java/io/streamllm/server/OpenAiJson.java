package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON the server answers with, in OpenAI's shapes: completions, streamed chunks, usage, errors,
 * model lists. Fields OpenAI sends as null are sent as null (clients' parsers expect them). Each
 * answer also carries {@code "streamllm"}: the session's id and stats (an extension clients ignore).
 */
final class OpenAiJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OpenAiJson() {
    }

    /** The identity of one answer, shared by all its chunks. */
    record Answer(CompletionRequest.Kind kind, String id, long created, String model) {
        private ObjectNode header(String object) {
            ObjectNode node = NODES.objectNode();
            node.put("id", id);
            node.put("object", object);
            node.put("created", created);
            node.put("model", model);
            node.put("system_fingerprint", "streamllm");
            return node;
        }
    }

    /** The whole answer of a request without streaming. */
    static ObjectNode completion(Answer answer, ModelService.Outcome outcome) {
        ObjectNode node = answer.header(answer.kind().object);
        ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", 0);
        if (answer.kind() == CompletionRequest.Kind.CHAT) {
            ObjectNode message = choice.putObject("message");
            message.put("role", "assistant");
            message.put("content", outcome.text());
            message.putNull("refusal");
        } else {
            choice.put("text", outcome.text());
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", outcome.finishReason());
        node.set("usage", usage(outcome));
        node.set("streamllm", extension(outcome));
        return node;
    }

    /** A streamed chunk carrying {@code text} (for chat, the first chunk also says the role). */
    static ObjectNode textChunk(Answer answer, String text, boolean first) {
        return chunk(answer, text, first, null);
    }

    /** The last chunk of a streamed answer's choice: why it ended, and the session's stats. */
    static ObjectNode finishChunk(Answer answer, ModelService.Outcome outcome) {
        ObjectNode node = chunk(answer, null, false, outcome.finishReason());
        node.set("streamllm", extension(outcome));
        return node;
    }

    /** A chunk with one choice: {@code text} (null: none) and the finish reason (null while going on). */
    private static ObjectNode chunk(Answer answer, String text, boolean withRole, String finishReason) {
        ObjectNode node = answer.header(answer.kind().chunkObject);
        ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", 0);
        if (answer.kind() == CompletionRequest.Kind.CHAT) {
            ObjectNode delta = choice.putObject("delta");
            if (withRole) {
                delta.put("role", "assistant");
            }
            if (text != null) {
                delta.put("content", text);
            }
        } else {
            choice.put("text", text == null ? "" : text);
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason);
        return node;
    }

    /** The chunk with the usage, sent last when the request asked for stream_options.include_usage. */
    static ObjectNode usageChunk(Answer answer, ModelService.Outcome outcome) {
        ObjectNode node = answer.header(answer.kind().chunkObject);
        node.putArray("choices");
        node.set("usage", usage(outcome));
        return node;
    }

    private static ObjectNode usage(ModelService.Outcome outcome) {
        ObjectNode usage = NODES.objectNode();
        usage.put("prompt_tokens", outcome.promptTokens());
        usage.put("completion_tokens", outcome.completionTokens());
        usage.put("total_tokens", outcome.promptTokens() + outcome.completionTokens());
        // OpenAI's name for prompt tokens served from a cache: here, those the session's KV cache already held.
        usage.putObject("prompt_tokens_details").put("cached_tokens", outcome.reusedTokens());
        return usage;
    }

    private static ObjectNode extension(ModelService.Outcome outcome) {
        ObjectNode node = NODES.objectNode();
        node.put("session", outcome.sessionId());
        node.put("reused_tokens", outcome.reusedTokens());
        node.put("prefilled_tokens", outcome.promptTokens() - outcome.reusedTokens());
        node.set("stats", ServerJson.MAPPER.valueToTree(outcome.stats()));
        return node;
    }

    static ObjectNode error(ApiError error) {
        ObjectNode node = NODES.objectNode();
        ObjectNode body = node.putObject("error");
        body.put("message", error.getMessage());
        body.put("type", error.type());
        body.put("param", error.param());
        body.put("code", error.code());
        return node;
    }

    static ObjectNode modelList(ServedModel model, long created) {
        ObjectNode node = NODES.objectNode();
        node.put("object", "list");
        ArrayNode data = node.putArray("data");
        data.add(model(model, created));
        return node;
    }

    static ObjectNode model(ServedModel model, long created) {
        ObjectNode node = NODES.objectNode();
        node.put("id", model.id());
        node.put("object", "model");
        node.put("created", created);
        node.put("owned_by", "streamllm");
        node.put("context_length", model.model().info().contextLength());
        node.put("cache", model.policy().spec());
        return node;
    }

    /** GET /v1/sessions/{id}: the session's stats, its cache policy and (when asked) its token history. */
    static ObjectNode session(Transcript transcript, boolean withTokens) {
        ObjectNode node = NODES.objectNode();
        node.put("id", transcript.id());
        node.put("object", "session");
        node.put("model", transcript.model());
        node.put("cache", transcript.cache());
        node.put("updated", transcript.updated());
        node.set("stats", ServerJson.MAPPER.valueToTree(transcript.stats()));
        if (transcript.messages() != null) {
            node.set("messages", ServerJson.MAPPER.valueToTree(transcript.messages()));
        }
        if (withTokens) {
            node.set("tokens", ServerJson.MAPPER.valueToTree(transcript.tokens()));
            node.put("text", transcript.text());
        }
        return node;
    }
}
