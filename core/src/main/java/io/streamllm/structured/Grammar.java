package io.streamllm.structured;

/** A compiled output constraint: the node of the whole document. Immutable, shared by generations. */
public final class Grammar {
    private final Node root;

    Grammar(Node root) {
        this.root = root;
    }

    Frame start() {
        return root.start(null);
    }

    /** Whether {@code text} is a complete document of this grammar (for tests and checks). */
    public boolean matches(byte[] text) {
        Frame f = Parse.advance(start(), text, 0);
        return f != null && Parse.complete(f);
    }

    /** Whether {@code text} can be continued into a complete document. */
    public boolean isPrefix(byte[] text) {
        return Parse.advance(start(), text, 0) != null;
    }
}
