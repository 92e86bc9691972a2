package io.streamllm.tokenizer;

import java.util.Arrays;

/**
 * The merge loop that BPE tokenizers share. A text starts as a chain of symbols (characters, or
 * tokens for them); the adjacent pair that merges with the lowest rank is merged into one symbol,
 * again and again, until no adjacent pair merges. Equal ranks merge the leftmost pair first.
 *
 * <p>The symbols form a doubly linked list and the candidate pairs wait in a binary heap, so a text of
 * n symbols takes O(n log n): books of millions of characters are merged in one piece. A heap entry
 * is not removed when its pair changes; it is checked when it comes out instead: it is acted on only
 * if the pair now at its position still merges with the same rank. An entry that passes this check
 * has the same heap key as the entry pushed for the current pair, so acting on it is what acting on
 * that entry would do.
 *
 * <p>One merger holds one text; create a new one per text (they are cheap).
 */
final class SymbolMerger {
    /** What {@link PairRule#merge} returns for a pair that does not merge. */
    static final long NO_MERGE = -1;

    /** Decides whether two adjacent symbols merge, into which token and how urgently. */
    @FunctionalInterface
    interface PairRule {
        /**
         * @param leftId  the left symbol's token id (-1 if the symbol is not a token)
         * @param rightId the right symbol's token id
         * @param start   where the left symbol starts in the text the symbols came from
         * @param end     where the right symbol ends
         * @return {@link #merge(int, int)} of the rank (lower merges first, 0 or more) and the merged
         *         token id, or {@link #NO_MERGE}
         */
        long merge(int leftId, int rightId, int start, int end);
    }

    /** Packs a merge's rank and the id of the token it makes. */
    static long merge(int rank, int mergedId) {
        return (long) rank << 32 | (mergedId & 0xFFFF_FFFFL);
    }

    private static int rankOf(long merge) {
        return (int) (merge >>> 32);
    }

    private static int idOf(long merge) {
        return (int) merge;
    }

    private int[] ids;
    private int[] starts;
    private int[] ends;
    private int[] previous;
    private int[] next;
    private boolean[] mergedAway;
    private int count;

    /** Heap entries: rank in the high 32 bits, the left symbol's index in the low ones; smallest first. */
    private long[] heap = new long[16];
    private int heapSize;

    SymbolMerger(int expectedSymbols) {
        int capacity = Math.max(expectedSymbols, 4);
        ids = new int[capacity];
        starts = new int[capacity];
        ends = new int[capacity];
        previous = new int[capacity];
        next = new int[capacity];
        mergedAway = new boolean[capacity];
    }

    /** Appends a symbol standing for {@code text[start, end)} with token id {@code id} (-1 if none). */
    void add(int id, int start, int end) {
        if (count == ids.length) {
            int capacity = count * 2;
            ids = Arrays.copyOf(ids, capacity);
            starts = Arrays.copyOf(starts, capacity);
            ends = Arrays.copyOf(ends, capacity);
            previous = Arrays.copyOf(previous, capacity);
            next = Arrays.copyOf(next, capacity);
            mergedAway = Arrays.copyOf(mergedAway, capacity);
        }
        ids[count] = id;
        starts[count] = start;
        ends[count] = end;
        previous[count] = count - 1;
        next[count] = -1;
        if (count > 0) {
            next[count - 1] = count;
        }
        count++;
    }

    /** Merges until no adjacent pair merges. */
    void mergeAll(PairRule rule) {
        for (int left = 0; left + 1 < count; left++) {
            offer(rule, left);
        }
        while (heapSize > 0) {
            long entry = poll();
            int left = (int) entry;
            int right = mergedAway[left] ? -1 : next[left];
            if (right < 0) {
                continue;
            }
            long merge = rule.merge(ids[left], ids[right], starts[left], ends[right]);
            if (merge == NO_MERGE || rankOf(merge) != (int) (entry >>> 32)) {
                continue; // stale: one of the two symbols has changed since the entry was pushed
            }
            ids[left] = idOf(merge);
            ends[left] = ends[right];
            mergedAway[right] = true;
            next[left] = next[right];
            if (next[right] >= 0) {
                previous[next[right]] = left;
            }
            if (previous[left] >= 0) {
                offer(rule, previous[left]);
            }
            offer(rule, left);
        }
    }

    /** The first symbol, or -1 when there is none. */
    int first() {
        return count == 0 ? -1 : 0;
    }

    /** The symbol after {@code symbol}, or -1. */
    int next(int symbol) {
        return next[symbol];
    }

    int id(int symbol) {
        return ids[symbol];
    }

    int start(int symbol) {
        return starts[symbol];
    }

    int end(int symbol) {
        return ends[symbol];
    }

    /** Pushes the pair starting at {@code left} if it merges. */
    private void offer(PairRule rule, int left) {
        int right = next[left];
        if (right < 0) {
            return;
        }
        long merge = rule.merge(ids[left], ids[right], starts[left], ends[right]);
        if (merge != NO_MERGE) {
            push((long) rankOf(merge) << 32 | left);
        }
    }

    private void push(long entry) {
        if (heapSize == heap.length) {
            heap = Arrays.copyOf(heap, heapSize * 2);
        }
        int child = heapSize++;
        while (child > 0) {
            int parent = (child - 1) >>> 1;
            if (heap[parent] <= entry) {
                break;
            }
            heap[child] = heap[parent];
            child = parent;
        }
        heap[child] = entry;
    }

    private long poll() {
        long top = heap[0];
        long last = heap[--heapSize];
        int parent = 0;
        while (true) {
            int child = 2 * parent + 1;
            if (child >= heapSize) {
                break;
            }
            if (child + 1 < heapSize && heap[child + 1] < heap[child]) {
                child++;
            }
            if (last <= heap[child]) {
                break;
            }
            heap[parent] = heap[child];
            parent = child;
        }
        heap[parent] = last;
        return top;
    }
}
