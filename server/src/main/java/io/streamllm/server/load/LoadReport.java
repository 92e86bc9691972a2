package io.streamllm.server.load;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** What a load test measured, client side and (from /metrics before and after) server side. */
public record LoadReport(int requests, int errors, List<String> errorSamples, double seconds, long completionTokens,
                         List<Long> firstTokenNanos, ServerMetricsText before, ServerMetricsText after) {

    private static final String PEAK_RSS = "streamllm_process_peak_resident_memory_bytes";
    private static final String RSS = "process_resident_memory_bytes";

    public double requestsPerSecond() {
        return requests / seconds;
    }

    public double tokensPerSecond() {
        return completionTokens / seconds;
    }

    /** The q-quantile of time to first token in milliseconds (nearest rank), NaN when nothing was timed. */
    public double firstTokenMillis(double q) {
        if (firstTokenNanos.isEmpty()) {
            return Double.NaN;
        }
        List<Long> sorted = new ArrayList<>(firstTokenNanos);
        Collections.sort(sorted);
        int rank = (int) Math.ceil(q * sorted.size());
        return sorted.get(Math.max(0, rank - 1)) / 1e6;
    }

    /** How much a server counter grew during the run. */
    public double serverDelta(String series) {
        return after.value(series) - before.value(series);
    }

    /** The server's peak resident memory (VmHWM), else its resident memory now; -1 when it reports neither. */
    public long serverPeakRssBytes() {
        if (after.has(PEAK_RSS)) {
            return (long) after.value(PEAK_RSS);
        }
        return after.has(RSS) ? (long) after.value(RSS) : -1;
    }
}
