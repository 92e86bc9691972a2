package io.streamllm.tokenizer;

import java.util.Arrays;

/** A growable list of ints, so that encoding long texts does not box every token id. */
final class IntList {
    private int[] values;
    private int size;

    IntList() {
        this(16);
    }

    IntList(int capacity) {
        values = new int[Math.max(capacity, 4)];
    }

    void add(int value) {
        if (size == values.length) {
            values = Arrays.copyOf(values, values.length * 2);
        }
        values[size++] = value;
    }

    void addAll(int[] more) {
        for (int value : more) {
            add(value);
        }
    }

    int[] toArray() {
        return Arrays.copyOf(values, size);
    }
}
