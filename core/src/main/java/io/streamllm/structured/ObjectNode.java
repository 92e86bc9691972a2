package io.streamllm.structured;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A JSON object with declared properties, written in declaration order; optional ones may be left out, and no
 * others appear. State {@code a}: bits 0-3 the phase, 4-11 the next property index (or the one chosen), 12 and
 * up the position inside a key; state {@code b}: while a key is read, the properties it may still be.
 */
final class ObjectNode extends Node {
    static final int MAX_PROPERTIES = 64;
    private static final int BEFORE = 0, OPENED = 1, AFTER_VALUE = 2, AFTER_COMMA = 3, IN_KEY = 4, COLON = 5,
            IN_VALUE = 6, CLOSED = 7, VALUE_START = 8;
    private final byte[][] keys; // the key's JSON string content, escaped, without quotes
    private final Node[] values;
    private final boolean[] required;
    private final long[] candidates; // candidates[i]: properties j >= i with every one in [i, j) optional
    private final int[] rest;        // rest[i]: fewest bytes after a value when property i comes next, '}' included

    ObjectNode(List<String> names, List<Node> nodes, List<Boolean> isRequired) {
        int n = names.size();
        keys = new byte[n][];
        values = nodes.toArray(Node[]::new);
        required = new boolean[n];
        for (int i = 0; i < n; i++) {
            keys[i] = JsonText.escapeContent(names.get(i)).getBytes(StandardCharsets.UTF_8);
            required[i] = isRequired.get(i);
        }
        candidates = new long[n + 1];
        for (int i = n - 1; i >= 0; i--) {
            candidates[i] = 1L << i | (required[i] ? 0 : candidates[i + 1]);
        }
        rest = new int[n + 1];
        rest[n] = 1;
        for (int i = n - 1; i >= 0; i--) {
            rest[i] = rest[i + 1] + (required[i] ? 1 + cost(i) : 0);
        }
    }

    private int cost(int j) {
        return keys[j].length + 3 + values[j].minLength();
    }

    private static Frame state(Frame f, int phase, int index, int keyPos, long b) {
        return f.with(phase | index << 4 | keyPos << 12, b);
    }

    private boolean anyRequiredFrom(int i) {
        for (int j = i; j < required.length; j++) {
            if (required[j]) {
                return true;
            }
        }
        return false;
    }

    @Override
    Frame accept(Frame self, int c) {
        int phase = self.a & 15;
        int index = self.a >>> 4 & 0xFF;
        int keyPos = self.a >>> 12;
        return switch (phase) {
            case BEFORE -> c == '{' ? state(self, OPENED, 0, 0, 0) : null;
            case OPENED -> c == '}' && !anyRequiredFrom(0) ? state(self, CLOSED, 0, 0, 0)
                    : c == '"' && candidates[0] != 0 ? state(self, IN_KEY, 0, 0, candidates[0]) : null;
            case AFTER_VALUE -> c == '}' && !anyRequiredFrom(index) ? state(self, CLOSED, 0, 0, 0)
                    : c == ',' && candidates[index] != 0 ? state(self, AFTER_COMMA, index, 0, 0) : null;
            case AFTER_COMMA -> c == '"' ? state(self, IN_KEY, index, 0, candidates[index]) : null;
            case IN_KEY -> key(self, c, keyPos);
            case COLON -> c == ':' ? state(self, VALUE_START, index, 0, 0) : null;
            case VALUE_START -> push(values[index], state(self, IN_VALUE, index, 0, 0), c);
            default -> null;
        };
    }

    private Frame key(Frame self, int c, int keyPos) {
        long matching = 0;
        for (long s = self.b; s != 0; s &= s - 1) {
            int j = Long.numberOfTrailingZeros(s);
            if (keys[j].length > keyPos && (keys[j][keyPos] & 0xFF) == c) {
                matching |= 1L << j;
            }
        }
        if (matching != 0) {
            return state(self, IN_KEY, 0, keyPos + 1, matching);
        }
        if (c == '"') {
            for (long s = self.b; s != 0; s &= s - 1) {
                int j = Long.numberOfTrailingZeros(s);
                if (keys[j].length == keyPos) {
                    return state(self, COLON, j, 0, 0);
                }
            }
        }
        return null;
    }

    @Override
    Frame childDone(Frame self) {
        return state(self, AFTER_VALUE, (self.a >>> 4 & 0xFF) + 1, 0, 0);
    }

    @Override
    boolean complete(Frame self) {
        return (self.a & 15) == CLOSED;
    }

    @Override
    int minRemaining(Frame self) {
        int phase = self.a & 15;
        int index = self.a >>> 4 & 0xFF;
        int keyPos = self.a >>> 12;
        return switch (phase) {
            case BEFORE -> 1 + afterOpen();
            case OPENED -> afterOpen();
            case AFTER_VALUE -> rest[index];
            case AFTER_COMMA -> bestCandidate(candidates[index], 0);
            case IN_KEY -> bestCandidate(self.b, keyPos + 1);
            case COLON -> 1 + values[index].minLength() + rest[index + 1];
            case VALUE_START -> values[index].minLength() + rest[index + 1];
            default -> 0;
        };
    }

    private int afterOpen() {
        return anyRequiredFrom(0) ? rest[0] - 1 : 1;
    }

    /** The fewest bytes to finish one of {@code set} with {@code consumed} bytes of its key already written. */
    private int bestCandidate(long set, int consumed) {
        int best = Integer.MAX_VALUE / 4;
        for (long s = set; s != 0; s &= s - 1) {
            int j = Long.numberOfTrailingZeros(s);
            best = Math.min(best, cost(j) - consumed + rest[j + 1]);
        }
        return best;
    }
}
