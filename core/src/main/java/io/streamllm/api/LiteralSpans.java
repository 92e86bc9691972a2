package io.streamllm.api;

import java.util.Arrays;

/**
 * The stretches of a text (UTF-16 offsets, sorted, not overlapping) where the text of special tokens
 * stays text: in a rendered chat, the messages' content. Outside them a tokenizer that parses special
 * tokens turns their text into the tokens; a special token's text that reaches into a stretch stays text.
 */
public final class LiteralSpans {
    private static final LiteralSpans NONE = new LiteralSpans(new int[0]);

    /** start0, end0, start1, end1, ... */
    private final int[] bounds;

    private LiteralSpans(int[] bounds) {
        this.bounds = bounds;
    }

    /** {@return no literal stretch: every special token's text is parsed} */
    public static LiteralSpans none() {
        return NONE;
    }

    /**
     * The whole of a text is literal.
     *
     * @param length the text's length in UTF-16 characters
     * @return one span covering it
     */
    public static LiteralSpans whole(int length) {
        return length == 0 ? NONE : new LiteralSpans(new int[]{0, length});
    }

    /** Builds spans from [start, end) pairs given in text order; empty pairs are dropped, touching ones joined. */
    public static final class Builder {
        private int[] bounds = new int[8];
        private int size;

        /** An empty builder. */
        public Builder() {
        }

        /**
         * Adds a span after those added before.
         *
         * @param start its first character
         * @param end   the character after its last
         * @return this builder
         * @throws IllegalArgumentException when the span starts before the previous one ends
         */
        public Builder add(int start, int end) {
            if (start < 0 || end < start || (size > 0 && start < bounds[size - 1])) {
                throw new IllegalArgumentException("spans must be added in order: [" + start + ", " + end + ")");
            }
            if (start == end) {
                return this;
            }
            if (size > 0 && start == bounds[size - 1]) {
                bounds[size - 1] = end;
                return this;
            }
            if (size == bounds.length) {
                bounds = Arrays.copyOf(bounds, size * 2);
            }
            bounds[size++] = start;
            bounds[size++] = end;
            return this;
        }

        /** {@return the spans added} */
        public LiteralSpans build() {
            return size == 0 ? NONE : new LiteralSpans(Arrays.copyOf(bounds, size));
        }
    }

    /** {@return whether there is no literal stretch} */
    public boolean isEmpty() {
        return bounds.length == 0;
    }

    /**
     * Whether any literal stretch shares a character with [start, end).
     *
     * @param start the first character
     * @param end   the character after the last
     * @return whether they overlap
     */
    public boolean overlaps(int start, int end) {
        // the first span that ends after start
        int low = 0;
        int high = bounds.length / 2;
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (bounds[2 * mid + 1] <= start) {
                low = mid + 1;
            } else {
                high = mid;
            }
        }
        return low < bounds.length / 2 && bounds[2 * low] < end && start < end;
    }

    /**
     * The spans inside [from, to), as offsets from {@code from}.
     *
     * @param from the first character of the slice
     * @param to   the character after its last
     * @return the spans cut to the slice
     */
    public LiteralSpans slice(int from, int to) {
        Builder sliced = new Builder();
        for (int i = 0; i < bounds.length; i += 2) {
            int start = Math.max(bounds[i], from);
            int end = Math.min(bounds[i + 1], to);
            if (start < end) {
                sliced.add(start - from, end - from);
            }
        }
        return sliced.build();
    }

    /**
     * These spans moved to the right, as when the text gets a prefix.
     *
     * @param offset characters to move by (the prefix's length)
     * @return the moved spans
     * @throws IllegalArgumentException when a span would start before the text
     */
    public LiteralSpans shift(int offset) {
        int[] moved = bounds.clone();
        for (int i = 0; i < moved.length; i++) {
            moved[i] += offset;
            if (moved[i] < 0) {
                throw new IllegalArgumentException("a span would start before the text");
            }
        }
        return moved.length == 0 ? NONE : new LiteralSpans(moved);
    }

    /** {@return the [start, end) pairs, flattened} */
    public int[] bounds() {
        return bounds.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof LiteralSpans spans && Arrays.equals(bounds, spans.bounds);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bounds);
    }

    @Override
    public String toString() {
        return "LiteralSpans" + Arrays.toString(bounds);
    }
}
