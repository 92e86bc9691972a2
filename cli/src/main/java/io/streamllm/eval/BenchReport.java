package io.streamllm.eval;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * {@code streamllm bench} results in llama-bench's three formats. csv and json use llama-bench's own
 * field names and types (build b4748), so that one script reads both engines' output; fields about
 * GPUs, splitting and CPU masks, which have no meaning here, are left out, and streamllm's own
 * (instruction set, bandwidth, decode efficiency) come after llama-bench's.
 */
public final class BenchReport {

    public enum Format { md, csv, json }

    static final String BUILD_COMMIT = "streamllm";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private BenchReport() {
    }

    public static String format(Format format, List<BenchRun> runs) {
        return switch (format) {
            case md -> markdown(runs);
            case csv -> csv(runs);
            case json -> json(runs);
        };
    }

    /** One run's fields in llama-bench's order, then streamllm's; the samples only in json, as llama-bench does. */
    static Map<String, Object> fields(BenchRun run) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("build_commit", BUILD_COMMIT);
        f.put("build_number", 0);
        f.put("cpu_info", run.cpuInfo());
        f.put("gpu_info", "");
        f.put("backends", "Java Vector API");
        f.put("model_filename", run.modelFilename());
        f.put("model_type", run.modelType());
        f.put("model_size", run.modelSize());
        f.put("model_n_params", run.modelParams());
        f.put("n_batch", Math.max(1, run.promptTokens()));
        f.put("n_ubatch", Math.max(1, run.promptTokens()));
        f.put("n_threads", run.threads());
        f.put("type_k", run.kvType());
        f.put("type_v", run.kvType());
        f.put("use_mmap", true);
        f.put("embeddings", false);
        f.put("n_prompt", run.promptTokens());
        f.put("n_gen", run.generatedTokens());
        f.put("test_time", run.testTime());
        f.put("avg_ns", run.avgNs());
        f.put("stddev_ns", run.stddevNs());
        f.put("avg_ts", run.avgTs());
        f.put("stddev_ts", run.stddevTs());
        f.put("instruction_set", run.instructionSet().label());
        f.put("vector_bits", run.instructionSet().vectorBits());
        f.put("cpu_flags", run.instructionSet().flagSummary());
        f.put("bandwidth_gbs", run.bandwidth() / 1e9);
        f.put("weight_bytes_per_token", run.weightBytesPerToken());
        double efficiency = run.decodeEfficiency();
        f.put("decode_efficiency", Double.isNaN(efficiency) ? null : efficiency);
        return f;
    }

    /** A list of runs, each an object with llama-bench's fields plus samples_ns and samples_ts. */
    static String json(List<BenchRun> runs) {
        List<Map<String, Object>> list = runs.stream().map(run -> {
            Map<String, Object> f = fields(run);
            f.put("samples_ns", run.samplesNs());
            f.put("samples_ts", run.samplesTs());
            return f;
        }).toList();
        try {
            return JSON.writeValueAsString(list) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A header of field names, then one row per run, every value quoted as llama-bench quotes it. */
    static String csv(List<BenchRun> runs) {
        StringBuilder out = new StringBuilder();
        if (runs.isEmpty()) {
            return out.toString();
        }
        out.append(String.join(",", fields(runs.getFirst()).keySet())).append('\n');
        for (BenchRun run : runs) {
            StringJoiner row = new StringJoiner(",", "", "\n");
            fields(run).values().forEach(value -> row.add(quote(csvValue(value))));
            out.append(row);
        }
        return out.toString();
    }

    private static String csvValue(Object value) {
        return value == null ? "" : value instanceof Double d ? String.format(Locale.ROOT, "%.6f", d) : value.toString();
    }

    private static String quote(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    /** llama-bench's table with the decode efficiency beside each tg figure, then the machine's limits. */
    static String markdown(List<BenchRun> runs) {
        // As llama-bench: the KV type gets a column only when a run uses another than the default.
        boolean kvColumn = runs.stream().anyMatch(run -> !run.kvType().equals("f32"));
        List<String> columns = new ArrayList<>(List.of("model", "size", "params", "backend", "threads"));
        if (kvColumn) {
            columns.add("type_k");
        }
        columns.addAll(List.of("test", "t/s", "decode eff."));
        MarkdownTable table = new MarkdownTable(columns);
        for (BenchRun run : runs) {
            double efficiency = run.decodeEfficiency();
            List<String> row = new ArrayList<>(List.of(run.modelType(), bytes(run.modelSize()), params(run.modelParams()),
                    "Java " + run.instructionSet().label(), Integer.toString(run.threads())));
            if (kvColumn) {
                row.add(run.kvType());
            }
            row.addAll(List.of(run.testName(), String.format(Locale.ROOT, "%.2f ± %.2f", run.avgTs(), run.stddevTs()),
                    Double.isNaN(efficiency) ? "" : String.format(Locale.ROOT, "%.0f%%", 100 * efficiency)));
            table.row(row);
        }
        StringBuilder out = new StringBuilder(table.toString());
        if (!runs.isEmpty()) {
            BenchRun first = runs.getFirst();
            out.append('\n').append(String.format(Locale.ROOT,
                    "read bandwidth %.1f GB/s with %d threads; %s of weights read per decoded token; "
                            + "decode eff. = weight bytes per token x t/s / bandwidth%n",
                    first.bandwidth() / 1e9, first.threads(), bytes(first.weightBytesPerToken())));
            out.append("instruction set: ").append(first.instructionSet()).append('\n');
        }
        return out.toString();
    }

    static String bytes(long bytes) {
        return bytes >= 1L << 30 ? String.format(Locale.ROOT, "%.2f GiB", bytes / (double) (1L << 30))
                : bytes >= 1L << 20 ? String.format(Locale.ROOT, "%.2f MiB", bytes / (double) (1L << 20))
                : String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0);
    }

    public static String params(long params) {
        return params >= 1e9 ? String.format(Locale.ROOT, "%.2f B", params / 1e9)
                : String.format(Locale.ROOT, "%.2f M", params / 1e6);
    }
}
