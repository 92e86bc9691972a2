package io.streamllm.chat;

import java.lang.reflect.Array;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * JSON written as Python's {@code json.dumps(value, ensure_ascii=False, indent=..., sort_keys=...)}, which is
 * what the {@code tojson} filter of chat templates produces in transformers: {@code ", "} and {@code ": "}
 * separators, non-ASCII kept, control characters escaped.
 */
final class PythonJson {
    private PythonJson() {
    }

    /** @param indent spaces per level, or negative for one line */
    static String dumps(Object value, int indent, boolean sortKeys) {
        StringBuilder out = new StringBuilder();
        write(value, indent, sortKeys, 0, out);
        return out.toString();
    }

    private static void write(Object value, int indent, boolean sortKeys, int level, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof Boolean b) {
            out.append(b ? "true" : "false");
        } else if (value instanceof Double || value instanceof Float) {
            out.append(pythonFloat(((Number) value).doubleValue()));
        } else if (value instanceof Number n) {
            out.append(n);
        } else if (value instanceof Map<?, ?> map) {
            List<Map.Entry<?, ?>> entries = new ArrayList<>(map.entrySet());
            if (sortKeys) {
                entries.sort((a, b) -> String.valueOf(a.getKey()).compareTo(String.valueOf(b.getKey())));
            }
            container('{', '}', entries.size(), indent, level, out, i -> {
                quote(String.valueOf(entries.get(i).getKey()), out);
                out.append(": ");
                write(entries.get(i).getValue(), indent, sortKeys, level + 1, out);
            });
        } else if (value instanceof Iterable<?> items) {
            List<Object> list = new ArrayList<>();
            items.forEach(list::add);
            container('[', ']', list.size(), indent, level, out, i -> write(list.get(i), indent, sortKeys, level + 1, out));
        } else if (value.getClass().isArray()) {
            int n = Array.getLength(value);
            container('[', ']', n, indent, level, out, i -> write(Array.get(value, i), indent, sortKeys, level + 1, out));
        } else {
            quote(value.toString(), out);
        }
    }

    private static void container(char open, char close, int size, int indent, int level, StringBuilder out,
                                  java.util.function.IntConsumer element) {
        out.append(open);
        if (size == 0) {
            out.append(close);
            return;
        }
        for (int i = 0; i < size; i++) {
            if (i > 0) {
                out.append(indent < 0 ? ", " : ",");
            }
            newline(indent, level + 1, out);
            element.accept(i);
        }
        newline(indent, level, out);
        out.append(close);
    }

    private static void newline(int indent, int level, StringBuilder out) {
        if (indent >= 0) {
            out.append('\n').append(" ".repeat(indent * level));
        }
    }

    private static void quote(String text, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    /** Python's repr of a float: shortest round-trip digits, plain between 1e-4 and 1e16. */
    private static String pythonFloat(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        BigDecimal shortest = new BigDecimal(Double.toString(d));
        double magnitude = Math.abs(d);
        if (magnitude == 0 || (magnitude >= 1e-4 && magnitude < 1e16)) {
            String plain = shortest.toPlainString();
            return plain.contains(".") ? plain : plain + ".0";
        }
        String digits = shortest.unscaledValue().abs().toString().replaceAll("0+$", "");
        int exponent = digits.length() - 1 - shortest.scale() + (shortest.unscaledValue().abs().toString().length() - digits.length());
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return (d < 0 ? "-" : "") + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }
}
