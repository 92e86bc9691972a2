package io.streamllm.eval;

import io.streamllm.api.CacheStats;
import io.streamllm.api.StreamingSession;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The log of a long streaming run, to show that time per token and memory stay flat: every
 * {@code every} tokens one row with the median and mean time per token over those tokens, the
 * process RSS, the KV cache's size, and the mean NLL. Rows go to a CSV as they come.
 */
public final class RunLog implements AutoCloseable {

    /** One row: tokens {@code start}..{@code end} of a policy's run. */
    public record Window(String policy, long start, long end, double medianMs, double meanMs, long rssBytes,
                         long kvBytes, int cacheTokens, double meanNll) {
    }

    /** The first and last tenth of a run compared (medians over their windows). */
    public record Drift(String policy, double firstMs, double lastMs, long firstRssBytes, long lastRssBytes) {
        public double timeChange() {
            return lastMs / firstMs - 1;
        }

        public double rssChange() {
            return (double) lastRssBytes / firstRssBytes - 1;
        }
    }

    private final CsvWriter csv;
    private final int every;
    private final List<Window> windows = new ArrayList<>();

    public RunLog(Path file, int every) {
        if (every < 1) {
            throw new IllegalArgumentException("--log-every must be at least 1, got " + every);
        }
        this.every = every;
        this.csv = new CsvWriter(file, "policy", "token_start", "token_end", "median_ms_per_token", "mean_ms_per_token",
                "rss_bytes", "kv_cache_bytes", "cache_tokens", "mean_nll");
    }

    /** A listener that logs the run of {@code policy}. */
    public StreamingPerplexity.Listener listener(String policy) {
        return new Recorder(policy);
    }

    public List<Window> windows() {
        return List.copyOf(windows);
    }

    private void record(Window window) {
        windows.add(window);
        csv.row(window.policy(), window.start(), window.end(), window.medianMs(), window.meanMs(), window.rssBytes(),
                window.kvBytes(), window.cacheTokens(), window.meanNll());
    }

    private final class Recorder implements StreamingPerplexity.Listener {
        private final String policy;
        private final long[] nanos = new long[every];
        private int count;
        private double nllSum;
        private long start;

        Recorder(String policy) {
            this.policy = policy;
        }

        @Override
        public void scored(long index, double nll, long feedNanos, StreamingSession session) {
            nanos[count++] = feedNanos;
            nllSum += nll;
            if (count == every) {
                flush(session);
            }
        }

        @Override
        public void finished(StreamingSession session) {
            if (count > 0) {
                flush(session);
            }
        }

        private void flush(StreamingSession session) {
            double[] ms = Arrays.stream(nanos, 0, count).mapToDouble(n -> n / 1e6).toArray();
            double mean = Statistics.mean(ms);
            CacheStats cache = session.stats();
            record(new Window(policy, start, start + count, Statistics.median(ms), mean, ProcessMemory.residentBytes(),
                    cache.allocatedBytes(), cache.size(), nllSum / count));
            start += count;
            count = 0;
            nllSum = 0;
        }
    }

    /** The first tenth of the policy's windows against its last tenth (at least one window each). */
    public Drift drift(String policy) {
        List<Window> run = windows.stream().filter(w -> w.policy().equals(policy)).toList();
        if (run.isEmpty()) {
            throw new IllegalArgumentException("no windows logged for " + policy);
        }
        return drift(run);
    }

    /** The first tenth of a run's windows against its last tenth. */
    static Drift drift(List<Window> run) {
        String policy = run.getFirst().policy();
        int k = Math.max(1, run.size() / 10);
        List<Window> first = run.subList(0, k);
        List<Window> last = run.subList(run.size() - k, run.size());
        return new Drift(policy, Statistics.median(first.stream().mapToDouble(Window::medianMs).toArray()),
                Statistics.median(last.stream().mapToDouble(Window::medianMs).toArray()),
                (long) Statistics.median(first.stream().mapToDouble(Window::rssBytes).toArray()),
                (long) Statistics.median(last.stream().mapToDouble(Window::rssBytes).toArray()));
    }

    /** Four panels against tokens: time per token, process RSS, KV cache, mean NLL per window. */
    public void writePlot(Path file, String title) {
        XYChart time = Charts.lineChart(title + ": time per token", "tokens", "ms/token (median per window)");
        XYChart rss = Charts.lineChart("process RSS", "tokens", "MiB");
        XYChart kv = Charts.lineChart("KV cache", "tokens", "MiB");
        XYChart nll = Charts.lineChart("log perplexity", "tokens", "mean NLL per window");
        Map<String, List<Window>> byPolicy = new LinkedHashMap<>();
        for (Window w : windows) {
            byPolicy.computeIfAbsent(w.policy(), p -> new ArrayList<>()).add(w);
        }
        byPolicy.forEach((policy, run) -> {
            double[] x = run.stream().mapToDouble(Window::end).toArray();
            Charts.line(time, policy, x, run.stream().mapToDouble(Window::medianMs).toArray());
            Charts.line(rss, policy, x, run.stream().mapToDouble(w -> w.rssBytes() / 1048576.0).toArray());
            Charts.line(kv, policy, x, run.stream().mapToDouble(w -> w.kvBytes() / 1048576.0).toArray());
            Charts.line(nll, policy, x, run.stream().mapToDouble(Window::meanNll).toArray());
        });
        for (XYChart chart : List.of(time, rss, kv)) {
            chart.getStyler().setYAxisMin(0.0);
        }
        Charts.save(file, List.of(time, rss, kv, nll));
    }

    @Override
    public void close() {
        csv.close();
    }
}
