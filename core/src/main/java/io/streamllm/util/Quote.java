package io.streamllm.util;

/**
 * Text from a file or a request, quoted for an error message: at most {@link #MAX_CHARS} characters, with
 * control and other unprintable characters escaped, so that a message stays one short line whatever the file
 * holds (a corrupt GGUF string can be megabytes of binary).
 */
public final class Quote {
    /** Characters shown between the quotes, escapes included; the rest of the text is counted, not shown. */
    public static final int MAX_CHARS = 80;

    private Quote() {
    }

    /** {@code 'text'}, escaped and cut after about {@link #MAX_CHARS} characters ("... (N more)" when cut). */
    public static String of(Object text) {
        String s = String.valueOf(text);
        StringBuilder out = new StringBuilder(Math.min(s.length(), MAX_CHARS) + 24).append('\'');
        int i = 0;
        while (i < s.length() && out.length() <= MAX_CHARS) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == '\'' || c == '\\') {
                out.append('\\').appendCodePoint(c);
            } else if (printable(c)) {
                out.appendCodePoint(c);
            } else if (c <= 0xff) {
                out.append(String.format("\\x%02x", c));
            } else {
                out.append(String.format("\\u{%x}", c));
            }
        }
        out.append('\'');
        int left = s.codePointCount(i, s.length());
        if (left > 0) {
            out.append("... (").append(left).append(" more)");
        }
        return out.toString();
    }

    private static boolean printable(int c) {
        if (Character.isISOControl(c) || !Character.isDefined(c)) {
            return false;
        }
        return switch (Character.getType(c)) {
            case Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.LINE_SEPARATOR,
                 Character.PARAGRAPH_SEPARATOR -> false;
            default -> true;
        };
    }
}
