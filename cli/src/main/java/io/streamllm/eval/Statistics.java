package io.streamllm.eval;

import java.util.Arrays;

/** Summary statistics of timing samples. */
final class Statistics {
    private Statistics() {
    }

    static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("the median of no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    static double mean(double[] values) {
        return Arrays.stream(values).average().orElseThrow(() -> new IllegalArgumentException("the mean of no values"));
    }
}
