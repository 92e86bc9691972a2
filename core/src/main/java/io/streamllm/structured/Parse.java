package io.streamllm.structured;

/** Walks a parse stack: advancing it by a byte, and asking whether the document may end and how soon. */
final class Parse {
    private Parse() {
    }

    /** The stack after byte {@code c}, or null when {@code c} cannot continue a valid document. */
    static Frame advance(Frame top, int c) {
        Frame f = top;
        while (f != null) {
            Frame next = f.node.accept(f, c);
            if (next != null) {
                return next;
            }
            if (!f.node.complete(f) || f.parent == null) {
                return null;
            }
            f = f.parent.node.childDone(f.parent);
        }
        return null;
    }

    /** The stack after all of {@code bytes}, or null. */
    static Frame advance(Frame top, byte[] bytes, int from) {
        Frame f = top;
        for (int i = from; i < bytes.length && f != null; i++) {
            f = advance(f, bytes[i] & 0xFF);
        }
        return f;
    }

    /** Whether the document may end here. */
    static boolean complete(Frame top) {
        Frame f = top;
        while (true) {
            if (!f.node.complete(f)) {
                return false;
            }
            if (f.parent == null) {
                return true;
            }
            f = f.parent.node.childDone(f.parent);
        }
    }

    /** The fewest bytes that complete the document. */
    static int minRemaining(Frame top) {
        int total = top.node.minRemaining(top);
        Frame f = top;
        while (f.parent != null) {
            f = f.parent.node.childDone(f.parent);
            total += f.node.minRemaining(f);
        }
        return total;
    }
}
