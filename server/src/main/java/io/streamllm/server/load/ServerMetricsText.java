package io.streamllm.server.load;

import java.util.HashMap;
import java.util.Map;

/** Samples of a Prometheus text exposition, by series ({@code name{labels}}), for reading a few of them. */
public record ServerMetricsText(Map<String, Double> samples) {

    public static ServerMetricsText parse(String text) {
        Map<String, Double> samples = new HashMap<>();
        for (String line : text.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int split = line.lastIndexOf(' ');
            try {
                samples.put(line.substring(0, split), Double.parseDouble(line.substring(split + 1)));
            } catch (NumberFormatException | IndexOutOfBoundsException e) {
                // not a sample line: skip
            }
        }
        return new ServerMetricsText(Map.copyOf(samples));
    }

    /** The value of a series, e.g. {@code streamllm_prompt_tokens_total{source="reused"}}; 0 when absent. */
    public double value(String series) {
        return samples.getOrDefault(series, 0.0);
    }

    public boolean has(String series) {
        return samples.containsKey(series);
    }
}
