package io.streamllm.structured;

import io.streamllm.api.InvalidSettingException;
import io.streamllm.util.Json;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles a JSON schema (the subset documented on {@code OutputConstraint}) into grammar nodes. Every keyword
 * outside the subset is refused with an {@link InvalidSettingException} naming it, never ignored.
 */
public final class SchemaCompiler {
    /** Keywords that only describe and never constrain: accepted and ignored. */
    private static final Set<String> ANNOTATIONS = Set.of("title", "description", "$schema", "$id", "$comment",
            "examples", "default", "deprecated", "readOnly", "writeOnly", "$defs", "definitions");
    private static final Set<String> SUPPORTED = Set.of("type", "properties", "required", "additionalProperties",
            "enum", "const", "items", "minItems", "maxItems", "minLength", "maxLength", "pattern", "anyOf", "$ref");
    private static final int MAX_DEPTH = 64;

    private final Map<String, Object> root;
    private final Set<String> expanding = new HashSet<>();
    private int depth;

    private SchemaCompiler(Map<String, Object> root) {
        this.root = root;
    }

    /** Compiles {@code schemaJson}; throws InvalidSettingException naming what is malformed or unsupported. */
    public static Grammar compile(String schemaJson) {
        Object parsed;
        try {
            parsed = Json.parse(schemaJson);
        } catch (IllegalArgumentException e) {
            throw new InvalidSettingException("JSON schema: not valid JSON: " + e.getMessage());
        }
        if (!(parsed instanceof Map<?, ?> map)) {
            throw new InvalidSettingException("JSON schema: must be an object");
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> schema = (Map<String, Object>) map;
        return new Grammar(new SchemaCompiler(schema).node(schema, "#"));
    }

    /** The grammar of any JSON object ({@code json_object} mode). */
    public static Grammar anyObject() {
        return new Grammar(new AnyObjectNode(AnyObjectNode.anyValue()));
    }

    private Node node(Object schemaValue, String path) {
        if (schemaValue instanceof Boolean b) {
            if (b) {
                return AnyObjectNode.anyValue();
            }
            throw unsupported(path, "the schema false (no value is valid)");
        }
        if (!(schemaValue instanceof Map<?, ?> raw)) {
            throw new InvalidSettingException("JSON schema: " + path + " must be an object");
        }
        if (++depth > MAX_DEPTH) {
            throw unsupported(path, "nesting deeper than " + MAX_DEPTH);
        }
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> schema = (Map<String, Object>) raw;
            for (String keyword : schema.keySet()) {
                if (!SUPPORTED.contains(keyword) && !ANNOTATIONS.contains(keyword)) {
                    throw unsupported(path, "the keyword \"" + keyword + "\"");
                }
            }
            if (schema.containsKey("$ref")) {
                if (schema.size() > 1 && schema.keySet().stream().anyMatch(k -> !k.equals("$ref") && !ANNOTATIONS.contains(k))) {
                    throw unsupported(path, "$ref next to other keywords");
                }
                return reference(string(schema.get("$ref"), path + "/$ref"), path);
            }
            if (schema.containsKey("const")) {
                return literals(List.of(schema.get("const")));
            }
            if (schema.containsKey("enum")) {
                if (!(schema.get("enum") instanceof List<?> values) || values.isEmpty()) {
                    throw new InvalidSettingException("JSON schema: " + path + "/enum must be a non-empty array");
                }
                return literals(values);
            }
            if (schema.containsKey("anyOf")) {
                if (!(schema.get("anyOf") instanceof List<?> options) || options.isEmpty()) {
                    throw new InvalidSettingException("JSON schema: " + path + "/anyOf must be a non-empty array");
                }
                List<Node> nodes = new ArrayList<>();
                for (int i = 0; i < options.size(); i++) {
                    nodes.add(node(options.get(i), path + "/anyOf/" + i));
                }
                return union(nodes, path, "anyOf");
            }
            Object type = schema.get("type");
            if (type == null) {
                type = impliedType(schema);
            }
            if (type instanceof List<?> types) {
                List<Node> nodes = new ArrayList<>();
                boolean number = types.contains("number");
                for (Object t : types) {
                    if (!(number && "integer".equals(t))) {
                        nodes.add(typed(schema, string(t, path + "/type"), path));
                    }
                }
                return union(nodes, path, "type");
            }
            return type == null ? AnyObjectNode.anyValue() : typed(schema, string(type, path + "/type"), path);
        } finally {
            depth--;
        }
    }

    private static Object impliedType(Map<String, Object> schema) {
        if (schema.containsKey("properties") || schema.containsKey("required") || schema.containsKey("additionalProperties")) {
            return "object";
        }
        if (schema.containsKey("items") || schema.containsKey("minItems") || schema.containsKey("maxItems")) {
            return "array";
        }
        if (schema.containsKey("minLength") || schema.containsKey("maxLength") || schema.containsKey("pattern")) {
            return "string";
        }
        return null;
    }

    private Node union(List<Node> nodes, String path, String keyword) {
        if (nodes.size() == 1) {
            return nodes.getFirst();
        }
        UnionNode union = new UnionNode(nodes);
        if (union.ambiguous()) {
            throw unsupported(path, keyword + " with options that can start alike (each option must begin with a different JSON type)");
        }
        return union;
    }

    private Node reference(String ref, String path) {
        String name;
        if (ref.startsWith("#/$defs/")) {
            name = "$defs";
        } else if (ref.startsWith("#/definitions/")) {
            name = "definitions";
        } else if (ref.equals("#")) {
            throw unsupported(path, "recursive $ref \"#\"");
        } else {
            throw unsupported(path, "$ref \"" + ref + "\" (only #/$defs/... and #/definitions/...)");
        }
        String key = ref.substring(name.length() + 3);
        Object defs = root.get(name);
        if (!(defs instanceof Map<?, ?> map) || !map.containsKey(key)) {
            throw new InvalidSettingException("JSON schema: " + path + ": $ref \"" + ref + "\" points nowhere");
        }
        if (!expanding.add(ref)) {
            throw unsupported(path, "recursive $ref \"" + ref + "\"");
        }
        try {
            return node(map.get(key), ref);
        } finally {
            expanding.remove(ref);
        }
    }

    private Node typed(Map<String, Object> schema, String type, String path) {
        return switch (type) {
            case "object" -> object(schema, path);
            case "array" -> array(schema, path);
            case "string" -> string(schema, path);
            case "number" -> new NumberNode(false);
            case "integer" -> new NumberNode(true);
            case "boolean" -> literals(List.of(true, false));
            case "null" -> literals(java.util.Collections.singletonList(null));
            default -> throw new InvalidSettingException("JSON schema: " + path + "/type: unknown type \"" + type + "\"");
        };
    }

    private Node object(Map<String, Object> schema, String path) {
        Object additional = schema.get("additionalProperties");
        if (additional != null && !(additional instanceof Boolean)) {
            throw unsupported(path, "additionalProperties as a schema");
        }
        Object properties = schema.get("properties");
        if (properties == null && !Boolean.FALSE.equals(additional)) {
            if (schema.containsKey("required")) {
                throw unsupported(path, "required without properties");
            }
            return new AnyObjectNode(AnyObjectNode.anyValue());
        }
        Map<?, ?> declared = properties == null ? Map.of() : properties instanceof Map<?, ?> m ? m : null;
        if (declared == null) {
            throw new InvalidSettingException("JSON schema: " + path + "/properties must be an object");
        }
        if (declared.size() > ObjectNode.MAX_PROPERTIES) {
            throw unsupported(path, "more than " + ObjectNode.MAX_PROPERTIES + " properties");
        }
        Set<String> required = new HashSet<>();
        if (schema.get("required") instanceof List<?> list) {
            for (Object name : list) {
                String s = string(name, path + "/required");
                if (!declared.containsKey(s)) {
                    throw unsupported(path, "required property \"" + s + "\" that is not in properties");
                }
                required.add(s);
            }
        } else if (schema.containsKey("required")) {
            throw new InvalidSettingException("JSON schema: " + path + "/required must be an array");
        }
        List<String> names = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        List<Boolean> isRequired = new ArrayList<>();
        for (Map.Entry<?, ?> e : declared.entrySet()) {
            String name = (String) e.getKey();
            names.add(name);
            nodes.add(node(e.getValue(), path + "/properties/" + name));
            isRequired.add(required.contains(name));
        }
        return new ObjectNode(names, nodes, isRequired);
    }

    private Node array(Map<String, Object> schema, String path) {
        Node items = schema.containsKey("items") ? node(schema.get("items"), path + "/items") : AnyObjectNode.anyValue();
        int min = count(schema, "minItems", 0, path);
        int max = count(schema, "maxItems", -1, path);
        if (max >= 0 && min > max) {
            throw new InvalidSettingException("JSON schema: " + path + ": minItems > maxItems");
        }
        return new ArrayNode(items, min, max);
    }

    private Node string(Map<String, Object> schema, String path) {
        int min = count(schema, "minLength", 0, path);
        int max = count(schema, "maxLength", -1, path);
        if (max >= 0 && min > max) {
            throw new InvalidSettingException("JSON schema: " + path + ": minLength > maxLength");
        }
        PatternAutomaton pattern = null;
        if (schema.containsKey("pattern")) {
            if (schema.containsKey("minLength") || schema.containsKey("maxLength")) {
                throw unsupported(path, "pattern together with minLength/maxLength");
            }
            pattern = new PatternAutomaton(string(schema.get("pattern"), path + "/pattern"));
        }
        return new StringNode(min, max, pattern);
    }

    private static int count(Map<String, Object> schema, String keyword, int absent, String path) {
        Object value = schema.get(keyword);
        if (value == null) {
            return absent;
        }
        if (!(value instanceof Long l) || l < 0 || l > 100_000) {
            throw new InvalidSettingException("JSON schema: " + path + "/" + keyword + " must be an integer in 0..100000");
        }
        return l.intValue();
    }

    private static Node literals(List<?> values) {
        List<byte[]> texts = new ArrayList<>();
        for (Object value : values) {
            texts.add(JsonText.write(value).getBytes(StandardCharsets.UTF_8));
        }
        return new LiteralsNode(texts);
    }

    private static String string(Object value, String path) {
        if (!(value instanceof String s)) {
            throw new InvalidSettingException("JSON schema: " + path + " must be a string");
        }
        return s;
    }

    private static InvalidSettingException unsupported(String path, String what) {
        return new InvalidSettingException("unsupported JSON schema feature at " + path + ": " + what);
    }
}
