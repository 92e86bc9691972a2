package io.streamllm.structured;

import java.util.ArrayList;
import java.util.List;

/**
 * One of several nodes whose values start with different bytes ({@code "type": [..]}, {@code anyOf}, any JSON
 * value): the first byte picks the option, whose frame then replaces this one.
 */
final class UnionNode extends Node {
    private final List<Node> options = new ArrayList<>();

    UnionNode() {
    }

    UnionNode(List<Node> options) {
        this.options.addAll(options);
    }

    void add(Node option) {
        options.add(option);
    }

    /** Whether two options could start with the same byte (then the first byte cannot pick one). */
    boolean ambiguous() {
        for (int c = 0; c < 256; c++) {
            int starting = 0;
            for (Node option : options) {
                if (option.accept(option.start(null), c) != null) {
                    starting++;
                }
            }
            if (starting > 1) {
                return true;
            }
        }
        return false;
    }

    @Override
    Frame accept(Frame self, int c) {
        for (Node option : options) {
            Frame next = option.accept(option.start(self.parent), c);
            if (next != null) {
                return next;
            }
        }
        return null;
    }

    @Override
    boolean complete(Frame self) {
        return false;
    }

    @Override
    int minRemaining(Frame self) {
        int best = Integer.MAX_VALUE / 4;
        for (Node option : options) {
            best = Math.min(best, option.minLength());
        }
        return best;
    }
}
