package io.streamllm.eval;

import io.streamllm.eval.StreamingBenchmark.Kind;
import io.streamllm.eval.StreamingBenchmark.Point;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The streaming benchmark's results as a markdown table, a CSV and a plot (the paper's Figure 10). */
public final class StreamingBenchmarkReport {
    private static final double MIB = 1 << 20;

    private StreamingBenchmarkReport() {
    }

    /** One row per cache size and policy; sink rows carry the speedup over recompute at the same size. */
    public static String markdown(List<Point> points) {
        MarkdownTable table = new MarkdownTable(List.of("cache size", "policy", "ms/token (median)", "timed tokens",
                "KV cache (MiB)", "process RSS (MiB)", "speedup (recompute / sink)"));
        for (Point p : points) {
            double speedup = p.kind() == Kind.SINK ? StreamingBenchmark.speedup(points, p.cacheSize()) : Double.NaN;
            table.row(List.of(Integer.toString(p.cacheSize()), p.policy(), format("%.2f", p.medianMs()),
                    Integer.toString(p.samples()), format("%.1f", p.kvBytes() / MIB),
                    p.rssBytes() < 0 ? "?" : format("%.0f", p.rssBytes() / MIB),
                    Double.isNaN(speedup) ? "" : format("%.1fx", speedup)));
        }
        return table.toString();
    }

    public static void writeCsv(Path file, List<Point> points) {
        try (CsvWriter csv = new CsvWriter(file, "cache_size", "kind", "policy", "timed_tokens", "median_ms_per_token",
                "mean_ms_per_token", "rss_bytes", "kv_cache_bytes")) {
            for (Point p : points) {
                csv.row(p.cacheSize(), p.kind().label(), p.policy(), p.samples(), p.medianMs(), p.meanMs(),
                        p.rssBytes(), p.kvBytes());
            }
        }
    }

    /** Three panels against cache size: latency (log scale), KV cache bytes, process RSS; one line per policy. */
    public static void writePlot(Path file, String title, List<Point> points) {
        XYChart latency = chart(title + ": per-token latency", "ms/token (median, log scale)", points, Point::medianMs);
        latency.getStyler().setYAxisLogarithmic(true);
        latency.getStyler().setYAxisLogarithmicDecadeOnly(true);
        XYChart kv = chart("KV cache", "MiB", points, p -> p.kvBytes() / MIB);
        XYChart rss = chart("process RSS after the timed steps", "MiB", points, p -> p.rssBytes() / MIB);
        kv.getStyler().setYAxisMin(0.0);
        rss.getStyler().setYAxisMin(0.0);
        Charts.save(file, List.of(latency, kv, rss));
    }

    /** Cache sizes double from point to point, so they are spaced on a logarithmic axis. */
    private static XYChart chart(String title, String yTitle, List<Point> points, ToDoubleFunction<Point> value) {
        XYChart chart = Charts.lineChart(title, "cache size (tokens, log scale)", yTitle);
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setXAxisLogarithmicDecadeOnly(false);
        for (Kind kind : Kind.values()) {
            List<Point> run = points.stream().filter(p -> p.kind() == kind).toList();
            if (!run.isEmpty()) {
                Charts.line(chart, kind.label(), run.stream().mapToDouble(Point::cacheSize).toArray(),
                        run.stream().mapToDouble(value).toArray());
            }
        }
        return chart;
    }

    private static String format(String pattern, double value) {
        return String.format(Locale.ROOT, pattern, value);
    }
}
