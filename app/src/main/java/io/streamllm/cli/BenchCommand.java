package io.streamllm.cli;

import io.streamllm.engine.Session;
import io.streamllm.eval.StreamingBenchmark;
import io.streamllm.eval.StreamingBenchmarkReport;
import io.streamllm.format.TensorView;
import io.streamllm.kv.DensePolicy;
import io.streamllm.model.Model;
import io.streamllm.tensor.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/** Prefill and decode throughput, reported like llama-bench; with --streaming, latency per cache size and policy. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measures prompt processing (pp) and token generation (tg) speed, like llama-bench.",
                "With --streaming: per-token latency and memory of StreamingLLM (sink:4:C-4), the sliding window with"
                        + " re-computation (recompute:C) and dense attention at C tokens of context, for each cache size C."})
final class BenchCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "128", description = "prompt tokens, prefilled as one batch (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "64", description = "tokens generated one at a time (default: ${DEFAULT-VALUE})")
    int generatedTokens;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "3", description = "repetitions of each test (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = "--streaming", description = "measure per-token latency and memory against cache size (the paper's Figure 10)")
    boolean streaming;

    @Option(names = "--cache-sizes", defaultValue = "256,512,1024,2048,4096", split = ",", paramLabel = "C",
            description = "with --streaming: the cache sizes (default: ${DEFAULT-VALUE})")
    List<Integer> cacheSizes;

    @Option(names = "--policies", defaultValue = "sink,recompute,dense", split = ",", paramLabel = "KIND",
            description = "with --streaming: which of sink, recompute, dense to measure (default: ${DEFAULT-VALUE})")
    List<String> policies;

    @Option(names = "--tokens-per-point", defaultValue = "16", paramLabel = "K",
            description = "with --streaming: decode steps timed per point for sink and dense (default: ${DEFAULT-VALUE})")
    int tokensPerPoint;

    @Option(names = "--recompute-tokens", defaultValue = "2", paramLabel = "K",
            description = "with --streaming: steps timed per point for recompute, each a prefill of C tokens (default: ${DEFAULT-VALUE})")
    int recomputeTokens;

    @Mixin
    KvTypeOption kvType;

    @Option(names = "--csv", paramLabel = "OUT.csv", description = "with --streaming: the measurements as CSV")
    Path csv;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "with --streaming: latency and memory against cache size")
    Path plot;

    @Override
    public Integer call() {
        if (streaming) {
            return streamingBenchmark();
        }
        if (promptTokens < 0 || generatedTokens < 0 || repetitions < 1) {
            throw new IllegalArgumentException("-p and -n must be 0 or more and -r at least 1");
        }
        try (Model model = modelOptions.load()) {
            Parallel pool = Parallel.common();
            String name = model.config().architecture() + " " + parameterLabel(model) + " " + weightType(model);
            System.out.println("| model | size | params | backend | threads | test | t/s |");
            System.out.println("| --- | ---: | ---: | --- | ---: | ---: | ---: |");
            // Warm-up: let the JIT compile the kernels before anything is timed.
            runPrompt(model, Math.min(16, Math.max(1, promptTokens)));
            runGeneration(model, Math.min(4, Math.max(1, generatedTokens)));
            if (promptTokens > 0) {
                printRow(model, name, pool, "pp" + promptTokens, measure(repetitions, promptTokens,
                        () -> runPrompt(model, promptTokens)));
            }
            if (generatedTokens > 0) {
                printRow(model, name, pool, "tg" + generatedTokens, measure(repetitions, generatedTokens,
                        () -> runGeneration(model, generatedTokens)));
            }
        }
        return 0;
    }

    private int streamingBenchmark() {
        StreamingBenchmark.Settings settings = new StreamingBenchmark.Settings(cacheSizes,
                policies.stream().map(BenchCommand::parseKind).toList(), tokensPerPoint, recomputeTokens);
        try (Model model = modelOptions.load()) {
            List<StreamingBenchmark.Point> points = new StreamingBenchmark(model.network(), settings, kvType.type()).run(Console::status);
            String title = model.name() + " (" + weightType(model) + ", " + modelOptions.pool().threads() + " threads, "
                    + KvTypeOption.describe(new Session(model.network(), new DensePolicy(), 1, 1, kvType.type()).cacheStats()) + ")";
            System.out.println(title);
            System.out.println();
            System.out.print(StreamingBenchmarkReport.markdown(points));
            if (csv != null) {
                StreamingBenchmarkReport.writeCsv(csv, points);
                Console.status("wrote " + csv);
            }
            if (plot != null) {
                StreamingBenchmarkReport.writePlot(plot, title, points);
                Console.status("wrote " + plot);
            }
        }
        return 0;
    }

    private static StreamingBenchmark.Kind parseKind(String name) {
        for (StreamingBenchmark.Kind kind : StreamingBenchmark.Kind.values()) {
            if (kind.label().equals(name.trim())) {
                return kind;
            }
        }
        throw new IllegalArgumentException("unknown policy '" + name + "' for --policies (expected sink, recompute or dense)");
    }

    private static double[] measure(int repetitions, int tokens, Runnable run) {
        double[] tokensPerSecond = new double[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long start = System.nanoTime();
            run.run();
            tokensPerSecond[r] = tokens / ((System.nanoTime() - start) / 1e9);
        }
        return tokensPerSecond;
    }

    /** One prompt of {@code n} random tokens, prefilled as a single batch into an empty cache. */
    private static void runPrompt(Model model, int n) {
        Session session = new Session(model.network(), new DensePolicy(), n, 1);
        session.feed(randomTokens(model, n, 1));
    }

    /** {@code n} tokens decoded one at a time from an empty cache, as llama-bench's tg test does. */
    private static void runGeneration(Model model, int n) {
        Session session = new Session(model.network(), new DensePolicy(), 1, 1);
        int[] tokens = randomTokens(model, n, 2);
        for (int token : tokens) {
            session.feed(token);
        }
    }

    private static int[] randomTokens(Model model, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(model.config().vocabularySize());
        }
        return tokens;
    }

    private static void printRow(Model model, String name, Parallel pool, String test, double[] values) {
        double mean = 0;
        for (double v : values) {
            mean += v;
        }
        mean /= values.length;
        double variance = 0;
        for (double v : values) {
            variance += (v - mean) * (v - mean);
        }
        double stddev = values.length > 1 ? Math.sqrt(variance / (values.length - 1)) : 0;
        System.out.printf("| %s | %s | %s | Java Vector API (%d-bit) | %d | %s | %.2f ± %.2f |%n", name,
                Console.bytes(model.network().weightBytes()), parameterLabel(model),
                jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.vectorBitSize(), pool.threads(), test, mean, stddev);
        System.out.flush();
    }

    private static long parameterCount(Model model) {
        long n = 0;
        for (String tensor : model.store().names()) {
            n += model.store().get(tensor).elementCount();
        }
        return n;
    }

    private static String parameterLabel(Model model) {
        double params = parameterCount(model);
        return params >= 1e9 ? String.format("%.2f B", params / 1e9) : String.format("%.2f M", params / 1e6);
    }

    /** The type of most weight bytes (the attention and MLP matrices). */
    private static String weightType(Model model) {
        TensorView sample = model.store().find("blk.0.ffn_down.weight");
        return sample == null ? "?" : sample.type().name();
    }
}
