package io.streamllm.structured;

/**
 * A compiled piece of a schema: a deterministic byte-level recognizer of the canonical compact JSON for one
 * value. Nesting is handled by pushing a child frame; the stack walk lives in {@link Parse}.
 *
 * <p>Determinism holds because in JSON a value that is complete can only be followed by {@code , } ]} or the
 * end, and no value ever continues with one of those bytes: the child is always offered a byte first.
 */
abstract class Node {
    /** The frame a fresh value of this node starts in, under {@code parent}. */
    Frame start(Frame parent) {
        return new Frame(this, 0, 0, parent);
    }

    /** The stack after {@code self} consumes byte {@code c} (possibly with a child pushed), or null if it cannot. */
    abstract Frame accept(Frame self, int c);

    /** Whether the value may end in this state. */
    abstract boolean complete(Frame self);

    /** {@code self} after the child it pushed completed. */
    Frame childDone(Frame self) {
        throw new IllegalStateException(getClass().getSimpleName() + " has no children");
    }

    /** The fewest bytes that complete this value from {@code self} (children already done). */
    abstract int minRemaining(Frame self);

    private int minLength = -1;

    /** The fewest bytes of a whole value of this node. */
    int minLength() {
        if (minLength < 0) {
            minLength = minRemaining(start(null));
        }
        return minLength;
    }

    /** Offers the first byte of a child value: the child's frame after it, or null. */
    static Frame push(Node child, Frame parentAfter, int c) {
        return child.accept(child.start(parentAfter), c);
    }
}
