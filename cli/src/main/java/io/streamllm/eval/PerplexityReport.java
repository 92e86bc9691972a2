package io.streamllm.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.AnnotationText;
import org.knowm.xchart.XYChart;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The forms perplexity results are written in: JSON lines, a per-segment CSV and a plot. */
public final class PerplexityReport {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PerplexityReport() {
    }

    /** {@code {"policy":"sink:4:60","tokens":N,"mean_nll":X,"ppl":Y}} on one line. */
    public static String jsonLine(PolicyResult result) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("policy", result.policy());
        fields.put("tokens", result.tokens());
        fields.put("mean_nll", result.meanNll());
        fields.put("ppl", result.perplexity());
        try {
            return JSON.writeValueAsString(fields);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a map of strings and numbers is always serializable", e);
        }
    }

    /** One row per policy and segment: policy, segment start and end, mean NLL, PPL and cumulative mean NLL. */
    public static void writeCsv(Path file, List<PolicyResult> results) {
        try (CsvWriter csv = new CsvWriter(file, "policy", "segment_start", "segment_end", "mean_nll", "ppl",
                "cumulative_mean_nll")) {
            for (PolicyResult result : results) {
                for (Segment s : result.segments()) {
                    csv.row(result.policy(), s.start(), s.end(), s.meanNll(), s.perplexity(), s.cumulativeMeanNll());
                }
            }
        }
    }

    /**
     * Log-perplexity (segment mean NLL) against tokens, one line per policy, as the paper's Figure 3,
     * with a vertical line at the model's trained context.
     */
    public static void writePlot(Path file, String title, List<PolicyResult> results, int trainedContext) {
        XYChart chart = Charts.lineChart(title, "tokens", "log PPL (mean NLL per segment)");
        double highest = Double.NEGATIVE_INFINITY;
        for (PolicyResult result : results) {
            List<Segment> segments = result.segments();
            double[] x = new double[segments.size()];
            double[] y = new double[segments.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = segments.get(i).end();
                y[i] = segments.get(i).meanNll();
                highest = Math.max(highest, y[i]);
            }
            Charts.line(chart, result.policy() + String.format(Locale.ROOT, " (PPL %.2f)", result.perplexity()), x, y);
        }
        if (trainedContext > 0) {
            chart.addAnnotation(new AnnotationLine(trainedContext, true, false));
            chart.addAnnotation(new AnnotationText("trained context " + trainedContext, trainedContext, highest, false));
        }
        Charts.save(file, List.of(chart));
    }
}
