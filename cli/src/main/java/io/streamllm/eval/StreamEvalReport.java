package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** StreamEval's results per policy as a CSV, a markdown table and a PNG (accuracy and recall loss against distance). */
public final class StreamEvalReport {
    private final Map<CachePolicy, List<StreamEval.DistanceResult>> results;

    /** @param results each policy's results, in the order to show them */
    public StreamEvalReport(Map<CachePolicy, List<StreamEval.DistanceResult>> results) {
        this.results = results;
    }

    /** Tokens the policy keeps, or "unbounded" for a dense cache (duo: its streaming heads' budget + retrieval heads). */
    static String budget(CachePolicy policy) {
        if (policy.capacity().isPresent()) {
            return Integer.toString(policy.capacity().getAsInt());
        }
        return policy.windowTokens().isPresent() // duo: the streaming heads are bounded, the retrieval heads not
                ? (policy.sinkTokens() + policy.windowTokens().getAsInt()) + " + retrieval heads" : "unbounded";
    }

    public void writeCsv(Path file) {
        try (CsvWriter csv = new CsvWriter(file, "policy", "cache_budget", "distance_lines", "queries", "correct",
                "accuracy", "mean_nll_repeated", "mean_nll_fresh", "mean_recall_loss",
                "recall_loss_stderr")) {
            results.forEach((policy, distances) -> distances.forEach(d -> csv.row(policy.spec(), budget(policy),
                    d.distance(), d.queries(), d.correct(), d.accuracy(), d.meanRepeatedNll(), d.meanFreshNll(),
                    d.meanRecallLoss(), d.recallLossStdError())));
        }
    }

    /** Accuracy / recall loss ± its standard error (nats) per policy and distance. */
    public String markdown() {
        List<String> header = new ArrayList<>(List.of("policy (budget)"));
        results.values().iterator().next().forEach(d -> header.add("d=" + d.distance()));
        MarkdownTable table = new MarkdownTable(header);
        results.forEach((policy, distances) -> {
            List<String> row = new ArrayList<>(List.of(policy.spec() + " (" + budget(policy) + ")"));
            distances.forEach(d -> row.add(String.format(Locale.ROOT, "%.2f / %+.2f ± %.2f", d.accuracy(),
                    d.meanRecallLoss(), d.recallLossStdError())));
            table.row(row);
        });
        return table.toString();
    }

    public void writePlot(Path file) {
        XYChart accuracy = Charts.lineChart("StreamEval: greedy answer correct", "distance (lines back)", "accuracy");
        accuracy.getStyler().setYAxisMin(0.0).setYAxisMax(1.0);
        XYChart loss = Charts.lineChart("Recall loss: mean NLL(fresh numbers) - NLL(line's own number)",
                "distance (lines back)", "nats");
        results.forEach((policy, distances) -> {
            double[] x = distances.stream().mapToDouble(StreamEval.DistanceResult::distance).toArray();
            Charts.line(accuracy, policy.spec(), x,
                    distances.stream().mapToDouble(StreamEval.DistanceResult::accuracy).toArray());
            Charts.line(loss, policy.spec(), x,
                    distances.stream().mapToDouble(StreamEval.DistanceResult::meanRecallLoss).toArray());
        });
        Charts.save(file, List.of(accuracy, loss));
    }
}
