package io.streamllm.eval;

import io.streamllm.api.StreamllmException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.style.Styler;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.ToDoubleFunction;

/** The policy comparison as a markdown table, a CSV (one row per policy) and a 2x2 panel of bar charts. */
public final class PolicyComparisonReport {
    private final List<PolicyComparison.Row> rows;
    private final List<Integer> distances;

    public PolicyComparisonReport(List<PolicyComparison.Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no policy to report");
        }
        this.rows = List.copyOf(rows);
        this.distances = rows.getFirst().recall().stream().map(StreamEval.DistanceResult::distance).toList();
    }

    /** The tokens the cache holds at most; duo's retrieval heads and dense grow without bound. */
    static String cacheTokens(PolicyComparison.Row row) {
        io.streamllm.api.CachePolicy policy = io.streamllm.api.CachePolicy.parse(row.policy().spec());
        if (policy.capacity().isPresent()) {
            return Integer.toString(policy.capacity().getAsInt());
        }
        return policy.windowTokens().isPresent()
                ? (policy.sinkTokens() + policy.windowTokens().getAsInt()) + " + retrieval heads" : "unbounded";
    }

    /** The CSV's columns: the recall loss and its standard error once per distance. */
    public List<String> csvHeader() {
        List<String> header = new ArrayList<>(List.of("policy", "written", "cache_tokens", "tokens", "mean_nll", "ppl",
                "ms_per_token", "kv_bytes"));
        for (int d : distances) {
            header.add("recall_loss_d" + d);
            header.add("recall_loss_d" + d + "_stderr");
            header.add("accuracy_d" + d);
        }
        return header;
    }

    public void writeCsv(Path file) {
        try (CsvWriter csv = new CsvWriter(file, csvHeader().toArray(String[]::new))) {
            for (PolicyComparison.Row row : rows) {
                List<Object> cells = new ArrayList<>(List.of(row.policy().spec(), row.policy().written(),
                        cacheTokens(row), row.perplexity().tokens(), row.perplexity().meanNll(),
                        row.perplexity().perplexity(), row.msPerToken(), row.kvBytes()));
                for (StreamEval.DistanceResult d : row.recall()) {
                    cells.add(d.meanRecallLoss());
                    cells.add(d.recallLossStdError());
                    cells.add(d.accuracy());
                }
                csv.row(cells.toArray());
            }
        }
    }

    /** One line per policy: PPL, the recall loss (nats) per distance, ms/token, KV bytes. */
    public String markdown() {
        List<String> header = new ArrayList<>(List.of("policy", "cache tokens", "PPL"));
        distances.forEach(d -> header.add("recall loss d=" + d));
        header.addAll(List.of("ms/token", "KV bytes"));
        MarkdownTable table = new MarkdownTable(header);
        for (PolicyComparison.Row row : rows) {
            List<String> cells = new ArrayList<>(List.of(row.policy().spec(), cacheTokens(row),
                    String.format(Locale.ROOT, "%.3f", row.perplexity().perplexity())));
            // One query has no standard error: the cell then shows the loss alone.
            row.recall().forEach(d -> cells.add(Double.isNaN(d.recallLossStdError())
                    ? String.format(Locale.ROOT, "%+.2f", d.meanRecallLoss())
                    : String.format(Locale.ROOT, "%+.2f ± %.2f", d.meanRecallLoss(), d.recallLossStdError())));
            cells.add(String.format(Locale.ROOT, "%.3f", row.msPerToken()));
            cells.add(String.format(Locale.ROOT, "%,d", row.kvBytes()));
            table.row(cells);
        }
        return table.toString();
    }

    /** Perplexity, recall loss per distance, ms/token and KV KiB per policy, as four bar charts. */
    public void writePlot(Path file, String title) {
        List<String> policies = rows.stream().map(r -> r.policy().spec()).toList();
        CategoryChart ppl = bars(title + ": perplexity", "PPL");
        ppl.addSeries("PPL", policies, values(r -> r.perplexity().perplexity()));
        CategoryChart loss = bars("recall loss: NLL(fresh) - NLL(repeated)", "nats");
        for (int i = 0; i < distances.size(); i++) {
            int index = i;
            loss.addSeries("d=" + distances.get(i) + " lines", policies,
                    values(r -> r.recall().get(index).meanRecallLoss()));
        }
        CategoryChart ms = bars("decode time", "ms/token");
        ms.addSeries("ms/token", policies, values(PolicyComparison.Row::msPerToken));
        CategoryChart kv = bars("KV cache at the end of the stream", "KiB");
        kv.addSeries("KV KiB", policies, values(r -> r.kvBytes() / 1024.0));
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(List.of(ppl, loss, ms, kv), 2, 2, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
    }

    private List<Double> values(ToDoubleFunction<PolicyComparison.Row> value) {
        return rows.stream().map(r -> {
            double v = value.applyAsDouble(r);
            return Double.isFinite(v) ? v : 0.0;
        }).toList();
    }

    private static CategoryChart bars(String title, String yTitle) {
        System.setProperty("java.awt.headless", "true"); // drawn off screen
        CategoryChart chart = new CategoryChartBuilder().width(700).height(420).title(title).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotBorderVisible(true);
        chart.getStyler().setXAxisLabelRotation(30);
        return chart;
    }
}
