package io.streamllm.server;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.api.InvalidSettingException;
import io.streamllm.api.OutputConstraint;
import io.streamllm.chat.ChatMessage;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Set;

/**
 * Reads a completion request body: strict UTF-8, strict JSON, then every field OpenAI defines that the
 * server honours, each checked for type and range with an error naming the field. Fields the server
 * does not know are ignored (clients send many); the ones it knows but cannot honour are refused.
 */
public final class RequestParser {
    static final int MAX_STOP_STRINGS = 16;
    /** OpenAI's limits: n up to 128 is theirs; a local server answers fewer at once. */
    static final int MAX_CHOICES = 16;
    static final int MAX_TOP_LOGPROBS = 20;
    static final int MAX_COMPLETION_LOGPROBS = 5;
    static final int MAX_LOGIT_BIAS = 1024;
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool");

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private RequestParser() {
    }

    public static CompletionRequest parse(byte[] body, CompletionRequest.Kind kind) {
        JsonNode root = readObject(body);
        Fields fields = new Fields(root);
        int n = fields.intInRange("n", 1, 1, MAX_CHOICES);
        fields.refuseIfSet("functions", "function calls are not supported");

        List<ChatMessage> messages = null;
        String prompt = null;
        int logprobs;
        boolean echo = false;
        Integer maxTokens = fields.positiveInt("max_tokens");
        if (kind == CompletionRequest.Kind.CHAT) {
            messages = messages(root.get("messages"));
            Integer completionLimit = fields.positiveInt("max_completion_tokens");
            if (completionLimit != null) {
                maxTokens = completionLimit;
            }
            boolean wanted = fields.bool("logprobs");
            JsonNode top = fields.present("top_logprobs");
            if (top != null && !wanted) {
                throw ApiError.invalid("top_logprobs", "top_logprobs needs logprobs set to true");
            }
            logprobs = wanted ? fields.intInRange("top_logprobs", 0, 0, MAX_TOP_LOGPROBS) : -1;
        } else {
            prompt = prompt(root.get("prompt"));
            echo = fields.bool("echo");
            fields.refuseIfSet("suffix", "suffix (insertion) is not supported");
            logprobs = fields.intInRange("logprobs", -1, 0, MAX_COMPLETION_LOGPROBS);
            fields.requireAbsentOrEqual("best_of", 1);
        }
        String model = fields.string("model");
        if (model == null) {
            throw ApiError.invalid("model", "you must provide a model parameter");
        }
        float temperature = fields.number("temperature", 1f, 0f, 2f);
        float topP = fields.number("top_p", 1f, Float.MIN_VALUE, 1f);
        boolean stream = fields.bool("stream");
        JsonNode options = root.get("stream_options");
        boolean includeUsage = false;
        if (options != null && !options.isNull()) {
            if (!options.isObject()) {
                throw ApiError.invalid("stream_options", "stream_options must be an object");
            }
            includeUsage = new Fields(options, "stream_options.").bool("include_usage");
        }
        return new CompletionRequest(kind, model, messages, prompt, maxTokens, temperature, topP,
                stop(root.get("stop")), fields.integer("seed"), stream, includeUsage, fields.string("user"),
                fields.number("frequency_penalty", 0f, -2f, 2f), fields.number("presence_penalty", 0f, -2f, 2f),
                n, logprobs, logitBias(root.get("logit_bias")), echo, responseFormat(root.get("response_format")),
                kind == CompletionRequest.Kind.CHAT ? ToolRequest.parse(root) : ToolRequest.NONE);
    }

    /** OpenAI's logit_bias: an object of token ids (as strings) to numbers in [-100, 100]. */
    private static Map<Integer, Float> logitBias(JsonNode node) {
        if (node == null || node.isNull()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw ApiError.invalid("logit_bias", "logit_bias must be an object of token ids to biases in [-100, 100]");
        }
        if (node.size() > MAX_LOGIT_BIAS) {
            throw ApiError.invalid("logit_bias", "logit_bias may bias at most " + MAX_LOGIT_BIAS + " tokens, got " + node.size());
        }
        Map<Integer, Float> bias = new HashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            String key = entry.getKey();
            int token;
            try {
                token = key.matches("[0-9]{1,10}") ? Integer.parseInt(key) : -1;
            } catch (NumberFormatException e) {
                token = -1;
            }
            if (token < 0) {
                throw ApiError.invalid("logit_bias", "logit_bias keys must be token ids (whole numbers 0 or more, as strings), got "
                        + ServerJson.quoted(key.length() > 40 ? key.substring(0, 40) + "..." : key));
            }
            JsonNode value = entry.getValue();
            if (!value.isNumber() || !(Math.abs(value.asDouble()) <= 100)) {
                throw ApiError.invalid("logit_bias", "logit_bias values must be numbers in [-100, 100], got " + value
                        + " for token " + token);
            }
            bias.put(token, (float) value.asDouble());
        }
        return bias;
    }

    /**
     * OpenAI's {@code response_format}: {@code text} (or absent) for free text, {@code json_object} for any JSON
     * object, {@code json_schema} for a document valid under its schema. Both JSON modes are enforced by
     * constrained decoding; a schema feature outside the supported subset is refused by name.
     */
    static OutputConstraint responseFormat(JsonNode format) {
        if (format == null || format.isNull()) {
            return null;
        }
        if (!format.isObject() || !format.path("type").isTextual()) {
            throw ApiError.invalid("response_format", "response_format must be an object with a type");
        }
        String type = format.get("type").asText();
        switch (type) {
            case "text" -> {
                return null;
            }
            case "json_object" -> {
                return OutputConstraint.anyJsonObject();
            }
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (spec == null || !spec.isObject()) {
                    throw ApiError.invalid("response_format.json_schema", "response_format.json_schema must be an object with name and schema");
                }
                JsonNode name = spec.get("name");
                if (name == null || !name.isTextual() || name.asText().isEmpty()) {
                    throw ApiError.invalid("response_format.json_schema.name", "response_format.json_schema.name must be a non-empty string");
                }
                JsonNode strict = spec.get("strict");
                if (strict != null && !strict.isNull() && !strict.isBoolean()) {
                    throw ApiError.invalid("response_format.json_schema.strict", "response_format.json_schema.strict must be a boolean");
                }
                JsonNode schema = spec.get("schema");
                if (schema != null && !schema.isNull() && !schema.isObject()) {
                    throw ApiError.invalid("response_format.json_schema.schema", "response_format.json_schema.schema must be an object");
                }
                // The output is constrained whether strict is true or not: a guarantee costs nothing extra here.
                try {
                    return OutputConstraint.jsonSchema(schema == null || schema.isNull() ? "{}" : schema.toString());
                } catch (InvalidSettingException e) {
                    throw ApiError.invalid("response_format.json_schema.schema", e.getMessage());
                }
            }
            default -> throw ApiError.invalid("response_format.type",
                    "response_format.type must be one of text, json_object, json_schema; got '" + type + "'");
        }
    }

    /** Parses any JSON object body (also for the tests and the load command). */
    static JsonNode readObject(byte[] body) {
        String text;
        try {
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body)).toString();
        } catch (CharacterCodingException e) {
            throw ApiError.badBody("the request body is not valid UTF-8");
        }
        if (text.isBlank()) {
            throw ApiError.badBody("the request body is empty; send a JSON object");
        }
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
            throw ApiError.badBody("the request body is not valid JSON: " + e.getOriginalMessage() + where);
        }
        if (root == null || !root.isObject()) {
            throw ApiError.badBody("the request body must be a JSON object");
        }
        return root;
    }

    private static List<ChatMessage> messages(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("messages", "you must provide messages");
        }
        if (!node.isArray()) {
            throw ApiError.invalid("messages", "messages must be an array of {role, content} objects");
        }
        if (node.isEmpty()) {
            throw ApiError.invalid("messages", "messages must not be empty");
        }
        List<ChatMessage> messages = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            String param = "messages[" + i + "]";
            JsonNode message = node.get(i);
            if (!message.isObject()) {
                throw ApiError.invalid(param, param + " must be an object with role and content");
            }
            Fields fields = new Fields(message, param + ".");
            String role = fields.string("role");
            if (role == null || !ROLES.contains(role)) {
                throw ApiError.invalid(param + ".role", param + ".role must be one of system, developer, user, assistant, tool");
            }
            JsonNode contentNode = message.get("content");
            // An assistant message that only calls tools may have null content (OpenAI's clients send it so).
            boolean onlyCalls = (contentNode == null || contentNode.isNull()) && message.path("tool_calls").isArray();
            String content = onlyCalls ? null : content(contentNode, param + ".content");
            messages.add(ToolRequest.message(role.equals("developer") ? "system" : role, content, message, param));
        }
        return messages;
    }

    /** A message's content: a string, or an array of text parts. */
    private static String content(JsonNode node, String param) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid(param, param + " is missing");
        }
        if (node.isTextual()) {
            return wellFormed(node.asText(), param);
        }
        if (!node.isArray()) {
            throw ApiError.invalid(param, param + " must be a string or an array of text parts");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < node.size(); i++) {
            JsonNode part = node.get(i);
            String partParam = param + "[" + i + "]";
            if (!part.isObject() || !"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                throw ApiError.invalid(partParam, partParam + " must be {\"type\": \"text\", \"text\": ...}; only text is supported");
            }
            text.append(part.get("text").asText());
        }
        return wellFormed(text.toString(), param);
    }

    private static String prompt(JsonNode node) {
        if (node == null || node.isNull()) {
            throw ApiError.invalid("prompt", "you must provide a prompt");
        }
        if (node.isArray()) {
            if (node.size() != 1 || !node.get(0).isTextual()) {
                throw ApiError.invalid("prompt", "prompt must be a string (or an array of exactly one string)");
            }
            node = node.get(0);
        }
        if (!node.isTextual()) {
            throw ApiError.invalid("prompt", "prompt must be a string");
        }
        return wellFormed(node.asText(), "prompt");
    }

    private static List<String> stop(JsonNode node) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        if (node.isTextual()) {
            return List.of(nonEmptyStop(node.asText()));
        }
        if (!node.isArray() || node.size() > MAX_STOP_STRINGS) {
            throw ApiError.invalid("stop", "stop must be a string or an array of at most " + MAX_STOP_STRINGS + " strings");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode element : node) {
            if (!element.isTextual()) {
                throw ApiError.invalid("stop", "stop must be a string or an array of strings");
            }
            stops.add(nonEmptyStop(element.asText()));
        }
        return stops;
    }

    private static String nonEmptyStop(String stop) {
        if (stop.isEmpty()) {
            throw ApiError.invalid("stop", "stop strings must not be empty");
        }
        return wellFormed(stop, "stop");
    }

    /** JSON escapes can smuggle in lone UTF-16 surrogates, which are no text; refuse them. */
    static String wellFormed(String text, String param) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                throw ApiError.invalid(param, param + " contains an unpaired UTF-16 surrogate (\\u"
                        + Integer.toHexString(c) + "); send valid Unicode");
            }
        }
        return text;
    }

    /** Typed access to the optional scalar fields of one JSON object. */
    record Fields(JsonNode node, String prefix) {
        Fields(JsonNode node) {
            this(node, "");
        }

        /** A whole number in [min, max], or {@code absent} when the field is missing or null. */
        int intInRange(String name, int absent, int min, int max) {
            Long value = integer(name);
            if (value == null) {
                return absent;
            }
            if (value < min || value > max) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be between " + min + " and " + max + ", got " + value);
            }
            return value.intValue();
        }

        private JsonNode present(String name) {
            JsonNode value = node.get(name);
            return value == null || value.isNull() ? null : value;
        }

        String string(String name) {
            JsonNode value = present(name);
            if (value == null) {
                return null;
            }
            if (!value.isTextual()) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be a string");
            }
            return wellFormed(value.asText(), prefix + name);
        }

        boolean bool(String name) {
            JsonNode value = present(name);
            if (value == null) {
                return false;
            }
            if (!value.isBoolean()) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be true or false");
            }
            return value.asBoolean();
        }

        Long integer(String name) {
            JsonNode value = present(name);
            if (value == null) {
                return null;
            }
            if (!value.isIntegralNumber() || !value.canConvertToLong()) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be a whole number");
            }
            return value.asLong();
        }

        Integer positiveInt(String name) {
            Long value = integer(name);
            if (value == null) {
                return null;
            }
            if (value < 1 || value > Integer.MAX_VALUE) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be at least 1, got " + value);
            }
            return value.intValue();
        }

        float number(String name, float absent, float min, float max) {
            JsonNode value = present(name);
            if (value == null) {
                return absent;
            }
            if (!value.isNumber()) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be a number");
            }
            double x = value.asDouble();
            if (!(x >= min && x <= max)) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be between " + (min == Float.MIN_VALUE ? "0 (excluded)" : min)
                        + " and " + max + ", got " + value);
            }
            return (float) x;
        }

        void requireAbsentOrEqual(String name, long expected) {
            Long value = integer(name);
            if (value != null && value != expected) {
                throw ApiError.invalid(prefix + name, prefix + name + " must be " + expected + " (one answer per request), got " + value);
            }
        }

        void refuseIfSet(String name, String why) {
            JsonNode value = present(name);
            if (value != null && !(value.isArray() && value.isEmpty()) && !(value.isBoolean() && !value.asBoolean())) {
                throw ApiError.invalid(prefix + name, why);
            }
        }

        void refuseIfTrue(String name, String why) {
            JsonNode value = present(name);
            if (value != null && (!value.isBoolean() || value.asBoolean())) {
                throw ApiError.invalid(prefix + name, why);
            }
        }
    }
}
