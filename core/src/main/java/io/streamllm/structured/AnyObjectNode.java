package io.streamllm.structured;

/** A JSON object with any keys and any values ({@code json_object} mode, schemas without properties). */
final class AnyObjectNode extends Node {
    private static final int BEFORE = 0, OPENED = 1, IN_KEY = 2, AFTER_KEY = 3, VALUE_START = 4, IN_VALUE = 5,
            AFTER_VALUE = 6, AFTER_COMMA = 7, CLOSED = 8;
    private final Node key = new StringNode(0, -1, null);
    private final Node value;

    AnyObjectNode(Node value) {
        this.value = value;
    }

    /** Any JSON value, objects and arrays nesting to any depth. */
    static Node anyValue() {
        UnionNode any = new UnionNode();
        any.add(new AnyObjectNode(any));
        any.add(new ArrayNode(any, 0, -1));
        any.add(new StringNode(0, -1, null));
        any.add(new NumberNode(false));
        any.add(new LiteralsNode(java.util.List.of("true".getBytes(), "false".getBytes(), "null".getBytes())));
        return any;
    }

    @Override
    Frame accept(Frame self, int c) {
        return switch (self.a) {
            case BEFORE -> c == '{' ? self.with(OPENED, 0) : null;
            case OPENED -> c == '}' ? self.with(CLOSED, 0) : push(key, self.with(IN_KEY, 0), c);
            case AFTER_KEY -> c == ':' ? self.with(VALUE_START, 0) : null;
            case VALUE_START -> push(value, self.with(IN_VALUE, 0), c);
            case AFTER_VALUE -> c == '}' ? self.with(CLOSED, 0) : c == ',' ? self.with(AFTER_COMMA, 0) : null;
            case AFTER_COMMA -> push(key, self.with(IN_KEY, 0), c);
            default -> null;
        };
    }

    @Override
    Frame childDone(Frame self) {
        return self.with(self.a == IN_KEY ? AFTER_KEY : AFTER_VALUE, 0);
    }

    @Override
    boolean complete(Frame self) {
        return self.a == CLOSED;
    }

    @Override
    int minRemaining(Frame self) {
        return switch (self.a) {
            case BEFORE -> 2;
            case OPENED, AFTER_VALUE -> 1;
            case AFTER_KEY -> 3;
            case VALUE_START -> 2;
            case AFTER_COMMA -> 5;
            default -> 0;
        };
    }
}
