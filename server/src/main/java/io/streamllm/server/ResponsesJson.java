package io.streamllm.server;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The JSON of OpenAI's Responses API: the response object (in progress, completed or incomplete), its one
 * message item with one output_text part, the streamed events, and the usage in that API's names.
 */
final class ResponsesJson {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private ResponsesJson() {
    }

    /** The identity of one response and the settings it echoes back. */
    record Identity(String id, String itemId, long createdAt, String model, ResponsesRequest request) {
    }

    /** The response before any output: status in_progress. */
    static ObjectNode inProgress(Identity identity) {
        ObjectNode node = response(identity, "in_progress");
        node.putArray("output");
        node.putNull("usage");
        return node;
    }

    /** The finished response: completed, or incomplete when max_output_tokens cut it. */
    static ObjectNode finished(Identity identity, ModelService.Outcome outcome) {
        boolean cut = "length".equals(outcome.finishReason());
        ObjectNode node = response(identity, cut ? "incomplete" : "completed");
        if (cut) {
            node.putObject("incomplete_details").put("reason", "max_output_tokens");
        }
        node.putArray("output").add(message(identity, outcome.text(), cut ? "incomplete" : "completed"));
        ObjectNode usage = node.putObject("usage");
        usage.put("input_tokens", outcome.promptTokens());
        // tokens the session's KV cache already held: OpenAI's "cached" prompt tokens
        ObjectNode inputDetails = usage.putObject("input_tokens_details");
        inputDetails.put("cached_tokens", outcome.reusedTokens());
        // what this response read into the session's cache, for the next one to reuse
        inputDetails.put("cache_write_tokens", outcome.promptTokens() - outcome.reusedTokens());
        usage.put("output_tokens", outcome.completionTokens());
        usage.putObject("output_tokens_details").put("reasoning_tokens", 0);
        usage.put("total_tokens", outcome.promptTokens() + outcome.completionTokens());
        ObjectNode extension = node.putObject("streamllm");
        extension.put("session", outcome.sessionId());
        extension.put("reused_tokens", outcome.reusedTokens());
        extension.put("prefilled_tokens", outcome.promptTokens() - outcome.reusedTokens());
        return node;
    }

    private static ObjectNode response(Identity identity, String status) {
        ResponsesRequest request = identity.request();
        ObjectNode node = NODES.objectNode();
        node.put("id", identity.id());
        node.put("object", "response");
        node.put("created_at", identity.createdAt());
        node.put("status", status);
        node.put("background", false);
        node.putNull("error");
        node.putNull("incomplete_details");
        node.put("instructions", request.instructions());
        node.put("max_output_tokens", request.maxOutputTokens());
        node.putNull("max_tool_calls");
        node.put("model", identity.model());
        node.put("parallel_tool_calls", true);
        node.put("previous_response_id", request.previousResponseId());
        ObjectNode reasoning = node.putObject("reasoning");
        reasoning.putNull("effort");
        reasoning.putNull("summary");
        node.put("service_tier", "default");
        node.put("store", request.store());
        node.put("temperature", request.temperature());
        node.putObject("text").putObject("format").put("type", "text");
        node.put("tool_choice", "auto");
        node.putArray("tools");
        node.put("top_logprobs", 0);
        node.put("top_p", request.topP());
        node.put("truncation", "disabled");
        node.put("user", request.user());
        ObjectNode metadata = node.putObject("metadata");
        request.metadata().forEach(metadata::put);
        return node;
    }

    /** The assistant's message item: one output_text part holding {@code text}. */
    static ObjectNode message(Identity identity, String text, String status) {
        ObjectNode item = NODES.objectNode();
        item.put("id", identity.itemId());
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        if (text == null) {
            item.putArray("content");
        } else {
            item.putArray("content").add(textPart(text));
        }
        return item;
    }

    static ObjectNode textPart(String text) {
        ObjectNode part = NODES.objectNode();
        part.put("type", "output_text");
        part.put("text", text);
        part.putArray("annotations");
        part.putArray("logprobs");
        return part;
    }

    /** A streamed event of {@code type}, numbered. */
    static ObjectNode event(String type, int sequence) {
        ObjectNode node = NODES.objectNode();
        node.put("type", type);
        node.put("sequence_number", sequence);
        return node;
    }

    /** The body of GET/DELETE answers naming a deleted response. */
    static ObjectNode deleted(String id) {
        ObjectNode node = NODES.objectNode();
        node.put("id", id);
        node.put("object", "response.deleted");
        node.put("deleted", true);
        return node;
    }
}
