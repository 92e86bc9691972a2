package io.streamllm.structured;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** One of a fixed set of JSON texts (enum, const, true/false, null), matched through a byte trie. */
final class LiteralsNode extends Node {
    // Trie node i: its edges are labels[i][k] -> targets[i][k]; terminal[i] when a literal ends there.
    private final List<int[]> labels = new ArrayList<>();
    private final List<int[]> targets = new ArrayList<>();
    private final List<Boolean> terminal = new ArrayList<>();
    private int[] distance; // fewest bytes from trie node to a terminal

    LiteralsNode(List<byte[]> literals) {
        newTrieNode();
        for (byte[] literal : literals) {
            int at = 0;
            for (byte value : literal) {
                int c = value & 0xFF;
                int next = edge(at, c);
                if (next < 0) {
                    next = newTrieNode();
                    labels.set(at, append(labels.get(at), c));
                    targets.set(at, append(targets.get(at), next));
                }
                at = next;
            }
            terminal.set(at, true);
        }
        distance = new int[terminal.size()];
        for (int i = terminal.size() - 1; i >= 0; i--) { // children are created after their parent
            int best = terminal.get(i) ? 0 : Integer.MAX_VALUE / 4;
            for (int t : targets.get(i)) {
                best = Math.min(best, 1 + distance[t]);
            }
            distance[i] = best;
        }
    }

    private int newTrieNode() {
        labels.add(new int[0]);
        targets.add(new int[0]);
        terminal.add(false);
        return terminal.size() - 1;
    }

    private static int[] append(int[] array, int value) {
        int[] longer = Arrays.copyOf(array, array.length + 1);
        longer[array.length] = value;
        return longer;
    }

    private int edge(int at, int c) {
        int[] l = labels.get(at);
        for (int k = 0; k < l.length; k++) {
            if (l[k] == c) {
                return targets.get(at)[k];
            }
        }
        return -1;
    }

    @Override
    Frame accept(Frame self, int c) {
        int next = edge(self.a, c);
        return next < 0 ? null : self.with(next, 0);
    }

    @Override
    boolean complete(Frame self) {
        return terminal.get(self.a);
    }

    @Override
    int minRemaining(Frame self) {
        return distance[self.a];
    }
}
