package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.chat.ChatMessage;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A validated request to {@code POST /v1/responses}: the part of OpenAI's Responses API that plain text
 * generation needs. Fields the server knows but cannot honour (tools, reasoning, images, structured text
 * formats, ...) are refused together, each named; fields it does not know are ignored, as on the other endpoints.
 *
 * @param input              the new messages, in order (a string input is one user message)
 * @param instructions       the system message put first, or null (not carried over from a previous response, as OpenAI does)
 * @param maxOutputTokens    tokens to generate at most, or null for the server's default
 * @param previousResponseId the stored response this one continues, or null
 * @param store              whether the response is kept for GET and for previous_response_id (OpenAI's default: true)
 * @param metadata           the client's string pairs, returned as they came
 */
record ResponsesRequest(String model, List<ChatMessage> input, String instructions, Integer maxOutputTokens,
                        float temperature, float topP, boolean stream, boolean store, String previousResponseId,
                        String user, Map<String, String> metadata) {

    /** Fields of OpenAI's request that this server does not honour, with why (the 400 names each one sent). */
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "tools", "tool calls are not supported",
            "reasoning", "the model does not reason in a separate channel",
            "include", "no extra output (reasoning, logprobs, sources) is available",
            "background", "responses run in the request (background: false)",
            "conversation", "use previous_response_id, or a session (X-Session-Id)",
            "prompt", "stored prompt templates are not supported",
            "top_logprobs", "log probabilities are not returned on /v1/responses",
            "max_tool_calls", "tool calls are not supported");
    private static final List<String> ROLES = List.of("user", "system", "developer", "assistant");

    ResponsesRequest {
        input = List.copyOf(input);
        metadata = Map.copyOf(metadata);
    }

    static ResponsesRequest parse(JsonNode root) {
        refuseUnsupported(root);
        RequestParser.Fields fields = new RequestParser.Fields(root);
        String model = fields.string("model");
        if (model == null) {
            throw ApiError.invalid("model", "you must provide a model parameter");
        }
        String instructions = fields.string("instructions");
        Integer maxOutputTokens = fields.positiveInt("max_output_tokens");
        float temperature = fields.number("temperature", 1f, 0f, 2f);
        float topP = fields.number("top_p", 1f, Float.MIN_VALUE, 1f);
        boolean stream = fields.bool("stream");
        JsonNode storeNode = root.get("store");
        boolean store = storeNode == null || storeNode.isNull() || fields.bool("store");
        String previous = fields.string("previous_response_id");
        List<ChatMessage> input = input(root.get("input"));
        return new ResponsesRequest(model, input, instructions, maxOutputTokens, temperature, topP, stream, store,
                previous, fields.string("user"), metadata(root.get("metadata")));
    }

    /** One 400 naming every unsupported field sent, so that a client learns all of them at once. */
    private static void refuseUnsupported(JsonNode root) {
        Map<String, String> refused = new TreeMap<>();
        UNSUPPORTED.forEach((name, why) -> {
            if (isSet(root.get(name))) {
                refused.put(name, why);
            }
        });
        JsonNode toolChoice = root.get("tool_choice");
        if (toolChoice != null && !toolChoice.isNull() && !(toolChoice.isTextual()
                && (toolChoice.asText().equals("auto") || toolChoice.asText().equals("none")))) {
            refused.put("tool_choice", "tool calls are not supported (only \"auto\" or \"none\" without tools)");
        }
        JsonNode format = root.path("text").path("format");
        if (!format.isMissingNode() && !format.isNull() && !"text".equals(format.path("type").asText())) {
            refused.put("text.format", "only {\"type\": \"text\"} is supported on /v1/responses");
        }
        JsonNode truncation = root.get("truncation");
        if (truncation != null && !truncation.isNull() && !(truncation.isTextual()
                && (truncation.asText().equals("disabled") || truncation.asText().equals("auto")))) {
            refused.put("truncation", "truncation must be \"disabled\" or \"auto\" (the session's cache never overflows either way)");
        }
        if (!refused.isEmpty()) {
            StringBuilder message = new StringBuilder("unsupported on this server: ");
            refused.forEach((name, why) -> message.append(name).append(" (").append(why).append("); "));
            message.setLength(message.length() - 2);
            throw ApiError.invalid(String.join(",", refused.keySet()), message.toString());
        }
    }

    /** Present with a value that asks for something: not null, false, 0, "" or an empty array or object. */
    private static boolean isSet(JsonNode value) {
        if (value == null || value.isNull()) {
            return false;
        }
        if (value.isBoolean()) {
            return value.asBoolean();
        }
        if (value.isNumber()) {
            return value.asDouble() != 0;
        }
        if (value.isContainerNode()) {
            if (value.isObject()) {
                // reasoning: {"effort": null, "summary": null} asks for nothing
                for (JsonNode field : value) {
                    if (!field.isNull()) {
                        return true;
                    }
                }
                return false;
            }
            return !value.isEmpty();
        }
        return !value.asText().isEmpty();
    }

    private static List<ChatMessage> input(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("input", "you must provide input: a string or an array of input items");
        }
        if (node.isTextual()) {
            return List.of(new ChatMessage("user", RequestParser.wellFormed(node.asText(), "input")));
        }
        if (!node.isArray() || node.isEmpty()) {
            throw ApiError.invalid("input", "input must be a string or a non-empty array of input items");
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String param = "input[" + i + "]";
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                throw ApiError.invalid(param, param + " must be an object");
            }
            String type = item.path("type").asText("message");
            if (!type.equals("message")) {
                throw ApiError.invalid(param + ".type", param + " is of type '" + type
                        + "'; only message items (role and content) are supported");
            }
            String role = item.path("role").asText("");
            if (!ROLES.contains(role)) {
                throw ApiError.invalid(param + ".role", param + ".role must be one of " + String.join(", ", ROLES));
            }
            messages.add(new ChatMessage(role.equals("developer") ? "system" : role, content(item.get("content"), param + ".content")));
        }
        return messages;
    }

    /** A message's content: a string, or input_text / output_text parts (the latter in assistant messages sent back). */
    private static String content(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid(param, param + " is missing");
        }
        if (node.isTextual()) {
            return RequestParser.wellFormed(node.asText(), param);
        }
        if (!node.isArray()) {
            throw ApiError.invalid(param, param + " must be a string or an array of content parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < node.size(); i++) {
            JsonNode part = node.get(i);
            String partParam = param + "[" + i + "]";
            String type = part.path("type").asText("");
            if (!(type.equals("input_text") || type.equals("output_text")) || !part.path("text").isTextual()) {
                throw ApiError.invalid(partParam, partParam + " must be {\"type\": \"input_text\", \"text\": ...}"
                        + " (or output_text); only text is supported, not '" + type + "'");
            }
            text.append(part.get("text").asText());
        }
        return RequestParser.wellFormed(text.toString(), param);
    }

    private static Map<String, String> metadata(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject() || node.size() > 16) {
            throw ApiError.invalid("metadata", "metadata must be an object of at most 16 string values");
        }
        Map<String, String> metadata = new TreeMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw ApiError.invalid("metadata", "metadata." + entry.getKey() + " must be a string");
            }
            metadata.put(entry.getKey(), entry.getValue().asText());
        }
        return metadata;
    }
}
