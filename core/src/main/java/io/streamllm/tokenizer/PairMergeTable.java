package io.streamllm.tokenizer;

import java.util.Arrays;

/**
 * BPE merge rules by token pair: (left id, right id) to the merge's rank and the merged token's id,
 * packed as {@link SymbolMerger#merge(int, int)}. Open addressing over primitive arrays, because the
 * merge loop looks a pair up for every candidate and boxing each lookup would dominate.
 */
final class PairMergeTable {
    private static final long EMPTY = -1;

    private final long[] keys;
    private final long[] merges;
    private final int mask;
    private int size;

    PairMergeTable(int expectedPairs) {
        int capacity = Integer.highestOneBit(Math.max(4, expectedPairs) * 2 - 1) << 1;
        keys = new long[capacity];
        merges = new long[capacity];
        mask = capacity - 1;
        Arrays.fill(keys, EMPTY);
    }

    /** Adds a rule unless the pair already has one: the first (lowest-ranked) rule for a pair wins. */
    void putIfAbsent(int leftId, int rightId, int rank, int mergedId) {
        if (size + 1 > keys.length / 2) {
            throw new IllegalStateException("pair table is full: created for fewer pairs");
        }
        long key = key(leftId, rightId);
        int slot = slot(key);
        if (keys[slot] == EMPTY) {
            keys[slot] = key;
            merges[slot] = SymbolMerger.merge(rank, mergedId);
            size++;
        }
    }

    /** The packed merge for this pair, or {@link SymbolMerger#NO_MERGE}. */
    long get(int leftId, int rightId) {
        if (leftId < 0 || rightId < 0) {
            return SymbolMerger.NO_MERGE;
        }
        int slot = slot(key(leftId, rightId));
        return keys[slot] == EMPTY ? SymbolMerger.NO_MERGE : merges[slot];
    }

    private static long key(int leftId, int rightId) {
        return (long) leftId << 32 | (rightId & 0xFFFF_FFFFL);
    }

    /** The slot holding {@code key}, or the empty slot where it would go (linear probing). */
    private int slot(long key) {
        int slot = (int) mix(key) & mask;
        while (keys[slot] != EMPTY && keys[slot] != key) {
            slot = (slot + 1) & mask;
        }
        return slot;
    }

    private static long mix(long key) {
        long h = key * 0x9E37_79B9_7F4A_7C15L;
        return h ^ (h >>> 29);
    }
}
