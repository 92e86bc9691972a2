package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ToolCall;
import io.streamllm.chat.ToolCallFormat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A request's {@code tools} and {@code tool_choice}, checked: the functions offered (OpenAI function
 * definitions, handed to the chat template as maps) and whether the model may, must or must not call one.
 *
 * @param definitions the {@code tools} array as maps, as templates read it (empty: no tools)
 * @param parameters  each function's parameters schema by name ({@code {"type": "object"}} when not given)
 * @param choice      what tool_choice asks
 * @param named       the function a named tool_choice forces, else null
 */
record ToolRequest(List<Map<String, Object>> definitions, Map<String, JsonNode> parameters, Choice choice, String named) {
    static final ToolRequest NONE = new ToolRequest(List.of(), Map.of(), Choice.NONE, null);

    /** OpenAI's tool_choice values. */
    enum Choice { AUTO, NONE, REQUIRED, NAMED }

    ToolRequest {
        definitions = List.copyOf(definitions);
        parameters = Map.copyOf(parameters);
    }

    /** Whether the answer is read for calls. */
    boolean parsesCalls() {
        return choice != Choice.NONE && !definitions.isEmpty();
    }

    /** Whether the answer must be a call: prefilled with the format's opening and constrained to a call's JSON. */
    boolean forced() {
        return choice == Choice.REQUIRED || choice == Choice.NAMED;
    }

    /**
     * The JSON schema of one call in {@code format}: a name among the offered functions (or the named one)
     * and arguments valid against that function's parameters (the union over functions is left to the
     * name: a schema per name would need if/then, which constrained decoders do not all support).
     */
    String callSchema(ToolCallFormat format) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        ObjectNode schema = nodes.objectNode();
        schema.put("type", "object");
        ObjectNode properties = schema.putObject("properties");
        ObjectNode name = properties.putObject("name");
        JsonNode arguments;
        if (choice == Choice.NAMED) {
            name.put("const", named);
            arguments = parameters.get(named);
        } else {
            ArrayNode names = name.putArray("enum");
            parameters.keySet().stream().sorted().forEach(names::add);
            arguments = parameters.size() == 1 ? parameters.values().iterator().next() : nodes.objectNode().put("type", "object");
        }
        properties.set(format.argumentsKey(), arguments);
        schema.putArray("required").add("name").add(format.argumentsKey());
        schema.put("additionalProperties", false);
        return CompletionEndpoint.json(schema);
    }

    /** Reads {@code tools} and {@code tool_choice} of a request body. */
    static ToolRequest parse(JsonNode root) {
        JsonNode tools = root.get("tools");
        JsonNode choiceNode = root.get("tool_choice");
        List<Map<String, Object>> definitions = new ArrayList<>();
        Map<String, JsonNode> parameters = new LinkedHashMap<>();
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw ApiError.invalid("tools", "tools must be an array of {\"type\": \"function\", \"function\": {...}}");
            }
            for (int i = 0; i < tools.size(); i++) {
                String param = "tools[" + i + "]";
                JsonNode tool = tools.get(i);
                if (!tool.isObject() || !"function".equals(tool.path("type").asText()) || !tool.path("function").isObject()) {
                    throw ApiError.invalid(param, param + " must be {\"type\": \"function\", \"function\": {...}}; only function tools are supported");
                }
                JsonNode function = tool.get("function");
                if (!function.path("name").isTextual() || !function.get("name").asText().matches("[a-zA-Z0-9_.-]{1,64}")) {
                    throw ApiError.invalid(param + ".function.name", param + ".function.name must be 1 to 64 letters, digits, '_', '.' or '-'");
                }
                String name = function.get("name").asText();
                JsonNode schema = function.get("parameters");
                if (schema != null && !schema.isNull() && !schema.isObject()) {
                    throw ApiError.invalid(param + ".function.parameters", param + ".function.parameters must be a JSON schema object");
                }
                if (parameters.put(name, schema == null || schema.isNull() ? JsonNodeFactory.instance.objectNode().put("type", "object") : schema) != null) {
                    throw ApiError.invalid(param + ".function.name", "two tools are named '" + name + "'");
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> definition = ServerJson.MAPPER.convertValue(tool, LinkedHashMap.class);
                definitions.add(definition);
            }
        }
        Choice choice = definitions.isEmpty() ? Choice.NONE : Choice.AUTO;
        String named = null;
        if (choiceNode != null && !choiceNode.isNull()) {
            if (choiceNode.isTextual()) {
                choice = switch (choiceNode.asText()) {
                    case "auto" -> definitions.isEmpty() ? Choice.NONE : Choice.AUTO;
                    case "none" -> Choice.NONE;
                    case "required" -> Choice.REQUIRED;
                    default -> throw ApiError.invalid("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or"
                            + " {\"type\": \"function\", \"function\": {\"name\": ...}}");
                };
            } else if (choiceNode.isObject() && "function".equals(choiceNode.path("type").asText())
                    && choiceNode.path("function").path("name").isTextual()) {
                choice = Choice.NAMED;
                named = choiceNode.get("function").get("name").asText();
                if (!parameters.containsKey(named)) {
                    throw ApiError.invalid("tool_choice", "tool_choice names the function '" + named + "', which tools does not define");
                }
            } else {
                throw ApiError.invalid("tool_choice", "tool_choice must be \"auto\", \"none\", \"required\" or"
                        + " {\"type\": \"function\", \"function\": {\"name\": ...}}");
            }
        }
        if (choice == Choice.REQUIRED && definitions.isEmpty()) {
            throw ApiError.invalid("tool_choice", "tool_choice is \"required\" but no tools are given");
        }
        return definitions.isEmpty() && choice == Choice.NONE ? NONE : new ToolRequest(definitions, parameters, choice, named);
    }

    /**
     * One message of the request with its tool calls ({@code tool_calls} of an assistant message) and
     * the call a tool message answers ({@code tool_call_id}); {@code content} null only with calls.
     */
    static ChatMessage message(String role, String content, JsonNode message, String param) {
        JsonNode calls = message.get("tool_calls");
        List<ToolCall> toolCalls = new ArrayList<>();
        if (calls != null && !calls.isNull()) {
            if (!role.equals("assistant") || !calls.isArray()) {
                throw ApiError.invalid(param + ".tool_calls", param + ".tool_calls must be an array, on an assistant message");
            }
            for (int i = 0; i < calls.size(); i++) {
                String callParam = param + ".tool_calls[" + i + "]";
                JsonNode call = calls.get(i);
                JsonNode function = call.path("function");
                if (!call.path("id").isTextual() || !function.path("name").isTextual() || !function.path("arguments").isTextual()) {
                    throw ApiError.invalid(callParam, callParam + " must be {\"id\": ..., \"type\": \"function\", \"function\":"
                            + " {\"name\": ..., \"arguments\": \"<JSON object>\"}}");
                }
                String arguments = function.get("arguments").asText();
                JsonNode parsed;
                try {
                    parsed = RequestParser.readObject(arguments.getBytes(java.nio.charset.StandardCharsets.UTF_8));
                } catch (ApiError e) {
                    throw ApiError.invalid(callParam + ".function.arguments", callParam + ".function.arguments must be a JSON object as text");
                }
                toolCalls.add(new ToolCall(call.get("id").asText(), function.get("name").asText(), parsed.toString()));
            }
        }
        if (content == null && toolCalls.isEmpty()) {
            throw ApiError.invalid(param + ".content", param + ".content is missing");
        }
        String toolCallId = null;
        if (role.equals("tool")) {
            JsonNode id = message.get("tool_call_id");
            if (id == null || !id.isTextual()) {
                throw ApiError.invalid(param + ".tool_call_id", param + ".tool_call_id must name the call this result answers");
            }
            toolCallId = id.asText();
        }
        return new ChatMessage(role, content, toolCalls, toolCallId);
    }
}
