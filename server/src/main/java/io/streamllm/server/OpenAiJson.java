package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.api.TokenLogprob;

import java.util.List;

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

    /**
     * What the choices of an answer carry besides their text.
     *
     * @param logprobs       formats the tokens' log-probabilities; null when the request asked for none
     * @param echo           completions: the prompt comes before each choice's text
     * @param prompt         the request's prompt (completions), for echo and the text offsets
     * @param promptLogprobs the echoed prompt's tokens: the first with a NaN log-probability (nothing predicted it)
     */
    record Extras(LogprobJson logprobs, boolean echo, String prompt, List<TokenLogprob> promptLogprobs) {
        static final Extras NONE = new Extras(null, false, "", List.of());

        /** Where the text offsets of the completion's tokens start: after the prompt, echoed or not (as OpenAI). */
        int[] completionOffset() {
            return new int[]{prompt == null ? 0 : prompt.length()};
        }
    }

    /** The whole answer of a request without streaming. */
    static ObjectNode completion(Answer answer, ModelService.Outcome outcome) {
        return completion(answer, outcome, Extras.NONE);
    }

    /** The whole answer of a request without streaming: every choice, with its log-probabilities if asked for. */
    static ObjectNode completion(Answer answer, ModelService.Outcome outcome, Extras extras) {
        ObjectNode node = answer.header(answer.kind().object);
        ArrayNode choices = node.putArray("choices");
        for (ModelService.Choice result : outcome.choices()) {
            ObjectNode choice = choices.addObject();
            choice.put("index", result.index());
            if (answer.kind() == CompletionRequest.Kind.CHAT) {
                ObjectNode message = choice.putObject("message");
                message.put("role", "assistant");
                message.put("content", result.text());
                message.putNull("refusal");
                choice.set("logprobs", extras.logprobs() == null ? NODES.nullNode() : extras.logprobs().chat(result.logprobs()));
            } else {
                choice.put("text", extras.echo() ? extras.prompt() + result.text() : result.text());
                if (extras.logprobs() == null) {
                    choice.putNull("logprobs");
                } else {
                    ObjectNode logprobs = LogprobJson.legacy();
                    if (extras.echo()) {
                        extras.logprobs().appendLegacy(logprobs, extras.promptLogprobs(), new int[]{0});
                    }
                    choice.set("logprobs", extras.logprobs().appendLegacy(logprobs, result.logprobs(), extras.completionOffset()));
                }
            }
            choice.put("finish_reason", result.finishReason());
        }
        node.set("usage", usage(outcome));
        node.set("streamllm", extension(outcome));
        return node;
    }

    /** A streamed chunk carrying {@code text} (for chat, the first chunk also says the role). */
    static ObjectNode textChunk(Answer answer, String text, boolean first) {
        return chunk(answer, 0, text, first, null, null);
    }

    /** A streamed chunk of choice {@code index} carrying {@code text} and its tokens' log-probabilities (null: none). */
    static ObjectNode textChunk(Answer answer, int index, String text, boolean first, JsonNode logprobs) {
        return chunk(answer, index, text, first, null, logprobs);
    }

    /** The last chunk of a streamed answer's choice: why it ended, and the session's stats. */
    static ObjectNode finishChunk(Answer answer, ModelService.Outcome outcome) {
        ObjectNode node = chunk(answer, 0, null, false, outcome.finishReason(), null);
        node.set("streamllm", extension(outcome));
        return node;
    }

    /** The last chunk of one choice of a streamed answer, with the log-probabilities not sent yet (null: none). */
    static ObjectNode finishChunk(Answer answer, ModelService.Outcome outcome, ModelService.Choice choice, JsonNode logprobs) {
        ObjectNode node = chunk(answer, choice.index(), null, false, choice.finishReason(), logprobs);
        node.set("streamllm", extension(outcome));
        return node;
    }

    /** A chunk with one choice: {@code text} (null: none) and the finish reason (null while going on). */
    private static ObjectNode chunk(Answer answer, int index, String text, boolean withRole, String finishReason,
                                    JsonNode logprobs) {
        ObjectNode node = answer.header(answer.kind().chunkObject);
        ObjectNode choice = node.putArray("choices").addObject();
        choice.put("index", index);
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
        choice.set("logprobs", logprobs == null ? NODES.nullNode() : logprobs);
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
