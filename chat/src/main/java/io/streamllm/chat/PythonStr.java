package io.streamllm.chat;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The Python {@code str} methods that chat templates call ({@code content.strip()},
 * {@code role.startswith('us')}, ...), which Jinjava, seeing a Java String, does not have.
 */
final class PythonStr {
    private PythonStr() {
    }

    /** Calls {@code self.method(args)} the Python way; empty when Python has no such method (or these arguments). */
    static Optional<Object> invoke(String self, String method, Object[] args) {
        Object result = switch (method) {
            case "strip" -> arity(args, 0, 1) ? strip(self, chars(args), true, true) : null;
            case "lstrip" -> arity(args, 0, 1) ? strip(self, chars(args), true, false) : null;
            case "rstrip" -> arity(args, 0, 1) ? strip(self, chars(args), false, true) : null;
            case "startswith" -> arity(args, 1, 1) ? anyMatch(args[0], self::startsWith) : null;
            case "endswith" -> arity(args, 1, 1) ? anyMatch(args[0], self::endsWith) : null;
            case "lower" -> arity(args, 0, 0) ? self.toLowerCase(java.util.Locale.ROOT) : null;
            case "upper" -> arity(args, 0, 0) ? self.toUpperCase(java.util.Locale.ROOT) : null;
            case "title" -> arity(args, 0, 0) ? title(self) : null;
            case "capitalize" -> arity(args, 0, 0) ? capitalize(self) : null;
            case "split" -> arity(args, 0, 2) ? split(self, args) : null;
            case "replace" -> arity(args, 2, 3) ? replace(self, str(args[0]), str(args[1]), args.length > 2 ? toInt(args[2]) : -1) : null;
            case "find" -> arity(args, 1, 1) ? (long) self.indexOf(str(args[0])) : null;
            case "count" -> arity(args, 1, 1) ? count(self, str(args[0])) : null;
            case "join" -> arity(args, 1, 1) && args[0] instanceof Iterable<?> items ? join(self, items) : null;
            default -> null;
        };
        return Optional.ofNullable(result);
    }

    /** Python's {@code str.strip(chars)}: without chars, strips what {@code str.isspace} calls whitespace. */
    static String strip(String text, String chars, boolean left, boolean right) {
        int start = 0;
        int end = text.length();
        while (left && start < end && stripped(text.codePointAt(start), chars)) {
            start += Character.charCount(text.codePointAt(start));
        }
        while (right && end > start && stripped(text.codePointBefore(end), chars)) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(start, end);
    }

    private static boolean stripped(int codePoint, String chars) {
        return chars == null ? isSpace(codePoint) : chars.indexOf(codePoint) >= 0;
    }

    /** Python's {@code str.isspace} for one character (Java's isWhitespace leaves out no-break spaces and NEL). */
    static boolean isSpace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint) || codePoint == 0x85;
    }

    private static boolean arity(Object[] args, int min, int max) {
        return args.length >= min && args.length <= max;
    }

    private static String chars(Object[] args) {
        return args.length == 0 || args[0] == null ? null : str(args[0]);
    }

    private static String str(Object value) {
        return String.valueOf(value);
    }

    private static int toInt(Object value) {
        return value instanceof Number n ? n.intValue() : Integer.parseInt(str(value));
    }

    /** startswith/endswith take a string or a tuple of strings. */
    private static boolean anyMatch(Object candidates, java.util.function.Predicate<String> test) {
        if (candidates instanceof Collection<?> many) {
            return many.stream().anyMatch(c -> test.test(str(c)));
        }
        return test.test(str(candidates));
    }

    private static String title(String text) {
        StringBuilder out = new StringBuilder(text.length());
        boolean previousCased = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            boolean cased = Character.isLetter(cp);
            out.appendCodePoint(cased ? (previousCased ? Character.toLowerCase(cp) : Character.toTitleCase(cp)) : cp);
            previousCased = cased;
            i += Character.charCount(cp);
        }
        return out.toString();
    }

    private static String capitalize(String text) {
        if (text.isEmpty()) {
            return text;
        }
        int first = text.codePointAt(0);
        return new StringBuilder().appendCodePoint(Character.toUpperCase(first))
                .append(text.substring(Character.charCount(first)).toLowerCase(java.util.Locale.ROOT)).toString();
    }

    /** {@code split()} splits on runs of whitespace and drops empty ends; {@code split(sep)} splits exactly. */
    private static List<String> split(String text, Object[] args) {
        String separator = args.length > 0 && args[0] != null ? str(args[0]) : null;
        int maxSplit = args.length > 1 ? toInt(args[1]) : -1;
        List<String> parts = new ArrayList<>();
        if (separator == null) {
            int i = 0;
            while (true) {
                while (i < text.length() && isSpace(text.codePointAt(i))) {
                    i += Character.charCount(text.codePointAt(i));
                }
                if (i >= text.length()) {
                    return parts;
                }
                if (maxSplit >= 0 && parts.size() == maxSplit) {
                    parts.add(strip(text.substring(i), null, false, true));
                    return parts;
                }
                int start = i;
                while (i < text.length() && !isSpace(text.codePointAt(i))) {
                    i += Character.charCount(text.codePointAt(i));
                }
                parts.add(text.substring(start, i));
            }
        }
        if (separator.isEmpty()) {
            throw new IllegalArgumentException("empty separator");
        }
        int start = 0;
        for (int at; (maxSplit < 0 || parts.size() < maxSplit) && (at = text.indexOf(separator, start)) >= 0; ) {
            parts.add(text.substring(start, at));
            start = at + separator.length();
        }
        parts.add(text.substring(start));
        return parts;
    }

    private static String replace(String text, String old, String replacement, int count) {
        if (count < 0) {
            return text.replace(old, replacement);
        }
        StringBuilder out = new StringBuilder();
        int start = 0;
        for (int done = 0, at; done < count && (at = text.indexOf(old, start)) >= 0 && !old.isEmpty(); done++) {
            out.append(text, start, at).append(replacement);
            start = at + old.length();
        }
        return out.append(text.substring(start)).toString();
    }

    private static long count(String text, String part) {
        if (part.isEmpty()) {
            return text.codePointCount(0, text.length()) + 1L;
        }
        long n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + part.length())) {
            n++;
        }
        return n;
    }

    private static String join(String separator, Iterable<?> items) {
        StringBuilder out = new StringBuilder();
        boolean first = true;
        for (Object item : items) {
            if (!first) {
                out.append(separator);
            }
            out.append(str(item));
            first = false;
        }
        return out.toString();
    }
}
