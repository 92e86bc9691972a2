package io.streamllm.structured;

/**
 * A JSON array of items of one node, with item-count bounds. State {@code a}: bits 0-3 the phase, 4 and up the
 * items so far (capped at minItems when there is no maxItems).
 */
final class ArrayNode extends Node {
    private static final int BEFORE = 0, OPENED = 1, AFTER_ITEM = 2, AFTER_COMMA = 3, IN_ITEM = 4, CLOSED = 5;
    private final Node items;
    private final int minItems;
    private final int maxItems; // -1: none

    ArrayNode(Node items, int minItems, int maxItems) {
        this.items = items;
        this.minItems = minItems;
        this.maxItems = maxItems;
    }

    private static Frame state(Frame f, int phase, int count) {
        return f.with(phase | count << 4, 0);
    }

    @Override
    Frame accept(Frame self, int c) {
        int phase = self.a & 15;
        int count = self.a >>> 4;
        return switch (phase) {
            case BEFORE -> c == '[' ? state(self, OPENED, 0) : null;
            case OPENED -> c == ']' && minItems == 0 ? state(self, CLOSED, 0)
                    : maxItems != 0 ? push(items, state(self, IN_ITEM, count), c) : null;
            case AFTER_ITEM -> c == ']' && count >= minItems ? state(self, CLOSED, count)
                    : c == ',' && (maxItems < 0 || count < maxItems) ? state(self, AFTER_COMMA, count) : null;
            case AFTER_COMMA -> push(items, state(self, IN_ITEM, count), c);
            default -> null;
        };
    }

    @Override
    Frame childDone(Frame self) {
        int count = (self.a >>> 4) + 1;
        return state(self, AFTER_ITEM, maxItems < 0 ? Math.min(count, minItems) : count);
    }

    @Override
    boolean complete(Frame self) {
        return (self.a & 15) == CLOSED;
    }

    @Override
    int minRemaining(Frame self) {
        int phase = self.a & 15;
        int need = Math.max(0, minItems - (self.a >>> 4));
        int itemLength = need == 0 ? 0 : items.minLength(); // lazily: an array of any value contains itself
        return switch (phase) {
            case BEFORE -> 2 + need * itemLength + Math.max(0, need - 1);
            case OPENED -> 1 + need * itemLength + Math.max(0, need - 1);
            case AFTER_ITEM -> 1 + need * (itemLength + 1);
            case AFTER_COMMA -> Math.max(1, need) * (items.minLength() + 1);
            default -> 0;
        };
    }
}
