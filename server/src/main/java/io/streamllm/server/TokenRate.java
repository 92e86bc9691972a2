package io.streamllm.server;

import java.util.Arrays;

/** Tokens per second over the last few seconds: per-second buckets in a ring. */
final class TokenRate {
    private final long[] buckets;
    private final long[] bucketSecond;
    private final long startNanos = System.nanoTime();

    TokenRate(int seconds) {
        buckets = new long[seconds];
        bucketSecond = new long[seconds];
        Arrays.fill(bucketSecond, -1);
    }

    synchronized void add(long tokens) {
        long second = now();
        int i = (int) (second % buckets.length);
        if (bucketSecond[i] != second) {
            bucketSecond[i] = second;
            buckets[i] = 0;
        }
        buckets[i] += tokens;
    }

    /** Tokens per second over the last full seconds of the window (the current partial second excluded). */
    synchronized double perSecond() {
        long second = now();
        long span = Math.min(buckets.length - 1, second);
        if (span == 0) {
            return 0;
        }
        long total = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (bucketSecond[i] >= second - span && bucketSecond[i] < second) {
                total += buckets[i];
            }
        }
        return total / (double) span;
    }

    private long now() {
        return (System.nanoTime() - startNanos) / 1_000_000_000L;
    }
}
