package io.streamllm.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;

/**
 * Finds the function calls in a model's answer, written in its family's {@link ToolCallFormat}. An answer
 * whose call markup does not hold well-formed calls (a name and a JSON object of arguments) has no calls:
 * it is all text, so the client sees what the model wrote rather than a call made up from it.
 */
public final class ToolCallParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HERMES_OPEN = "<tool_call>";
    private static final String HERMES_CLOSE = "</tool_call>";
    private static final String PYTHON_TAG = "<|python_tag|>";
    private static final String MISTRAL_OPEN = "[TOOL_CALLS]";

    /**
     * An answer split into its text and its calls.
     *
     * @param content the text before the first call (all of it when there are no calls)
     */
    public record Parsed(String content, List<ToolCall> calls) {
        public Parsed {
            calls = List.copyOf(calls);
        }

        public boolean hasCalls() {
            return !calls.isEmpty();
        }
    }

    private final ToolCallFormat format;
    private final Supplier<String> ids;

    /** A parser for {@code format} that gives calls random ids ({@code call_...}). */
    public ToolCallParser(ToolCallFormat format) {
        this(format, ToolCallParser::randomId);
    }

    /** As above, with ids from {@code ids} (tests). */
    public ToolCallParser(ToolCallFormat format, Supplier<String> ids) {
        this.format = format;
        this.ids = ids;
    }

    public Parsed parse(String answer) {
        Optional<Parsed> parsed = switch (format) {
            case HERMES -> hermes(answer);
            case LLAMA_JSON -> llama(answer);
            case MISTRAL -> mistral(answer);
        };
        return parsed.orElse(new Parsed(answer, List.of()));
    }

    /**
     * Where a call may begin in {@code text}, or -1: the first place from which the text is, or may still
     * become, the format's call opening. A stream holds back text from there until it knows.
     */
    public int possibleCallStart(String text) {
        if (format == ToolCallFormat.LLAMA_JSON) {
            // A Llama call is the whole answer: it can only begin at the answer's first non-blank character.
            String stripped = text.stripLeading();
            int start = text.length() - stripped.length();
            if (stripped.isEmpty() || stripped.startsWith("{") || stripped.startsWith(PYTHON_TAG)
                    || PYTHON_TAG.startsWith(stripped)) {
                return start;
            }
            return -1;
        }
        String opening = format == ToolCallFormat.MISTRAL ? MISTRAL_OPEN : HERMES_OPEN;
        int full = text.indexOf(opening);
        if (full >= 0) {
            return full;
        }
        for (int from = Math.max(0, text.length() - opening.length() + 1); from < text.length(); from++) {
            if (opening.startsWith(text.substring(from))) {
                return from;
            }
        }
        return -1;
    }

    private Optional<Parsed> hermes(String answer) {
        int open = answer.indexOf(HERMES_OPEN);
        if (open < 0) {
            return Optional.empty();
        }
        List<ToolCall> calls = new ArrayList<>();
        int pos = open;
        while (pos >= 0) {
            int bodyStart = pos + HERMES_OPEN.length();
            int close = answer.indexOf(HERMES_CLOSE, bodyStart);
            // A forced call ends where its JSON ends: the closing tag may never come.
            String body = close < 0 ? answer.substring(bodyStart) : answer.substring(bodyStart, close);
            Optional<ToolCall> call = call(body, "arguments");
            if (call.isEmpty()) {
                return Optional.empty();
            }
            calls.add(call.get());
            pos = close < 0 ? -1 : answer.indexOf(HERMES_OPEN, close + HERMES_CLOSE.length());
        }
        return Optional.of(new Parsed(answer.substring(0, open).strip(), calls));
    }

    private Optional<Parsed> llama(String answer) {
        String body = answer.strip();
        if (body.startsWith(PYTHON_TAG)) {
            body = body.substring(PYTHON_TAG.length()).strip();
        }
        if (!body.startsWith("{")) {
            return Optional.empty();
        }
        // Llama 3.1 documents "parameters"; fine-tunes and prompts often say "arguments".
        Optional<ToolCall> call = call(body, "parameters").or(() -> call(answer.strip().replace(PYTHON_TAG, ""), "arguments"));
        return call.map(c -> new Parsed("", List.of(c)));
    }

    private Optional<Parsed> mistral(String answer) {
        int open = answer.indexOf(MISTRAL_OPEN);
        if (open < 0) {
            return Optional.empty();
        }
        String body = answer.substring(open + MISTRAL_OPEN.length()).strip();
        Optional<JsonNode> tree = tree(body);
        if (tree.isEmpty() && body.startsWith("[")) {
            tree = tree(body + "]"); // a forced call ends with its object, before the list closes
        }
        if (tree.isEmpty()) {
            return Optional.empty();
        }
        JsonNode node = tree.get();
        List<JsonNode> objects = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(objects::add);
        } else {
            objects.add(node);
        }
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode object : objects) {
            Optional<ToolCall> call = call(object, "arguments");
            if (call.isEmpty()) {
                return Optional.empty();
            }
            calls.add(call.get());
        }
        return calls.isEmpty() ? Optional.empty() : Optional.of(new Parsed(answer.substring(0, open).strip(), calls));
    }

    private Optional<ToolCall> call(String json, String argumentsKey) {
        return tree(json.strip()).flatMap(node -> call(node, argumentsKey));
    }

    /** A call object: a string name, and arguments as an object (or a string holding one, as some models write). */
    private Optional<ToolCall> call(JsonNode node, String argumentsKey) {
        if (!node.isObject() || !node.path("name").isTextual() || node.get("name").asText().isEmpty()) {
            return Optional.empty();
        }
        JsonNode arguments = node.get(argumentsKey);
        if (arguments == null && !argumentsKey.equals("arguments")) {
            arguments = node.get("arguments");
        }
        if (arguments != null && arguments.isTextual()) {
            arguments = tree(arguments.asText()).orElse(null);
        }
        if (arguments == null || !arguments.isObject()) {
            return Optional.empty();
        }
        String id = node.path("id").isTextual() ? node.get("id").asText() : ids.get();
        return Optional.of(new ToolCall(id, node.get("name").asText(), arguments.toString()));
    }

    private static Optional<JsonNode> tree(String json) {
        try {
            JsonNode node = JSON.readTree(json);
            return Optional.ofNullable(node);
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    /** A call's arguments (a JSON object's text) as the mapping that templates read, as transformers passes them. */
    static Map<String, Object> argumentsMap(String arguments) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> map = JSON.readValue(arguments, LinkedHashMap.class);
            return map;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("tool call arguments are not a JSON object: " + e.getOriginalMessage());
        }
    }

    private static String randomId() {
        String alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
        StringBuilder id = new StringBuilder("call_");
        ThreadLocalRandom random = ThreadLocalRandom.current();
        for (int i = 0; i < 24; i++) {
            id.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return id.toString();
    }
}
