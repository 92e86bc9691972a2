package io.streamllm.structured;

import java.util.Objects;

/**
 * One level of the parse stack: a grammar node, its local state ({@code a}, {@code b}, meaning defined by the
 * node) and the frame of the enclosing value. Immutable and compared by value, so a whole stack can key the
 * per-state mask cache and branch freely while the token trie is walked.
 */
final class Frame {
    final Node node;
    final int a;
    final long b;
    final Frame parent;
    private final int hash;

    Frame(Node node, int a, long b, Frame parent) {
        this.node = node;
        this.a = a;
        this.b = b;
        this.parent = parent;
        this.hash = (System.identityHashCode(node) * 31 + a) * 31 + Long.hashCode(b) + 961 * Objects.hashCode(parent);
    }

    Frame with(int newA, long newB) {
        return new Frame(node, newA, newB, parent);
    }

    @Override
    public int hashCode() {
        return hash;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof Frame f) || f.hash != hash) {
            return false;
        }
        Frame x = this;
        Frame y = f;
        while (x != null && y != null) {
            if (x == y) {
                return true;
            }
            if (x.node != y.node || x.a != y.a || x.b != y.b) {
                return false;
            }
            x = x.parent;
            y = y.parent;
        }
        return x == y;
    }
}
