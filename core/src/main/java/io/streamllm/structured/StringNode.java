package io.streamllm.structured;

/**
 * A JSON string with optional length bounds (in code points) or a pattern. Without a pattern any Unicode text is
 * allowed, as valid UTF-8, with the escapes {@code \" \\ \/ \b \f \n \r \t} (not {@code \\u}); with a pattern, the
 * characters are those of {@link PatternAutomaton}, unescaped.
 *
 * <p>State {@code a}: bits 0-1 the phase, 2-3 the UTF-8 continuation bytes still due, 4-6 the range of the next
 * one, 7 and up the code points so far (capped at minLength when there is no maxLength, so states stay few).
 * State {@code b}: the pattern automaton's state.
 */
final class StringNode extends Node {
    private static final int BEFORE = 0, BODY = 1, ESCAPE = 2, CLOSED = 3;
    private final int minLength;
    private final int maxLength; // -1: none
    private final PatternAutomaton pattern; // null: none

    StringNode(int minLength, int maxLength, PatternAutomaton pattern) {
        this.minLength = minLength;
        this.maxLength = maxLength;
        this.pattern = pattern;
    }

    @Override
    Frame start(Frame parent) {
        return new Frame(this, 0, pattern == null ? 0 : pattern.start(), parent);
    }

    private static int phase(Frame f) {
        return f.a & 3;
    }

    private static int pending(Frame f) {
        return f.a >>> 2 & 3;
    }

    private static int count(Frame f) {
        return f.a >>> 7;
    }

    private Frame state(Frame f, int phase, int pending, int range, int count, long b) {
        return f.with(phase | pending << 2 | range << 4 | count << 7, b);
    }

    /** The count after one more code point, or -1 when maxLength forbids it. */
    private int counted(Frame f) {
        int next = count(f) + 1;
        if (maxLength >= 0) {
            return next > maxLength ? -1 : next;
        }
        return Math.min(next, minLength);
    }

    @Override
    Frame accept(Frame self, int c) {
        switch (phase(self)) {
            case BEFORE -> {
                return c == '"' ? state(self, BODY, 0, 0, 0, self.b) : null;
            }
            case ESCAPE -> {
                return switch (c) {
                    case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> state(self, BODY, 0, 0, count(self), self.b);
                    default -> null;
                };
            }
            case BODY -> {
                return body(self, c);
            }
            default -> {
                return null;
            }
        }
    }

    private Frame body(Frame self, int c) {
        int pending = pending(self);
        if (pending > 0) {
            int range = self.a >>> 4 & 7;
            int low = switch (range) {
                case 1 -> 0xA0;
                case 3 -> 0x90;
                default -> 0x80;
            };
            int high = switch (range) {
                case 2 -> 0x9F;
                case 4 -> 0x8F;
                default -> 0xBF;
            };
            return c >= low && c <= high ? state(self, BODY, pending - 1, 0, count(self), self.b) : null;
        }
        if (c == '"') {
            boolean done = count(self) >= minLength && (pattern == null || pattern.accepts(self.b));
            return done ? state(self, CLOSED, 0, 0, count(self), self.b) : null;
        }
        if (c < 0x20) {
            return null;
        }
        int count = counted(self);
        if (count < 0) {
            return null;
        }
        if (c == '\\') {
            return pattern == null ? state(self, ESCAPE, 0, 0, count, 0) : null;
        }
        if (c < 0x80) {
            if (pattern == null) {
                return state(self, BODY, 0, 0, count, 0);
            }
            long next = pattern.step(self.b, c);
            return next == 0 ? null : state(self, BODY, 0, 0, count, next);
        }
        if (pattern != null) {
            return null;
        }
        // A UTF-8 lead byte: how many continuation bytes follow and the range of the first (no overlong
        // forms, no surrogates, nothing above U+10FFFF).
        if (c >= 0xC2 && c <= 0xDF) {
            return state(self, BODY, 1, 0, count, 0);
        }
        if (c >= 0xE0 && c <= 0xEF) {
            return state(self, BODY, 2, c == 0xE0 ? 1 : c == 0xED ? 2 : 0, count, 0);
        }
        if (c >= 0xF0 && c <= 0xF4) {
            return state(self, BODY, 3, c == 0xF0 ? 3 : c == 0xF4 ? 4 : 0, count, 0);
        }
        return null;
    }

    @Override
    boolean complete(Frame self) {
        return phase(self) == CLOSED;
    }

    @Override
    int minRemaining(Frame self) {
        int need = pattern != null ? pattern.minRemaining(self.b) : Math.max(0, minLength - count(self));
        return switch (phase(self)) {
            case BEFORE -> 2 + need;
            case BODY -> pending(self) + need + 1;
            case ESCAPE -> 1 + need + 1;
            default -> 0;
        };
    }

    /** Whether {@code f} is inside the text with nothing pending and no pattern: any plain character may come. */
    boolean plainBody(Frame f) {
        return phase(f) == BODY && pending(f) == 0 && pattern == null;
    }

    /** How many more code points may come in {@code f} (Integer.MAX_VALUE when unbounded). */
    int charsLeft(Frame f) {
        return maxLength < 0 ? Integer.MAX_VALUE : maxLength - count(f);
    }

    /** {@code f} after {@code chars} plain code points (within {@link #charsLeft}). */
    Frame afterPlain(Frame f, int chars) {
        int count = maxLength >= 0 ? count(f) + chars : Math.min(minLength, count(f) + chars);
        return state(f, BODY, 0, 0, count, 0);
    }
}
