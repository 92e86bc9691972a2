package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.api.ModelWeights;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.eval.BenchReport;
import io.streamllm.eval.BenchRun;
import io.streamllm.eval.InstructionSet;
import io.streamllm.eval.MemoryBandwidth;
import io.streamllm.eval.StreamingBenchmark;
import io.streamllm.eval.StreamingBenchmarkReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
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

    @Option(names = {"-p", "--n-prompt"}, defaultValue = "512", description = "prompt tokens, prefilled as one batch; 0 skips the test (default: ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = {"-n", "--n-gen"}, defaultValue = "128", description = "tokens generated one at a time; 0 skips the test (default: ${DEFAULT-VALUE})")
    int generatedTokens;

    @Option(names = {"-r", "--repetitions"}, defaultValue = "5", description = "repetitions of each test (default: ${DEFAULT-VALUE})")
    int repetitions;

    @Option(names = {"-o", "--output"}, defaultValue = "md", paramLabel = "md|csv|json",
            description = "the output format: md (a table), csv or json with llama-bench's fields (default: ${DEFAULT-VALUE})")
    BenchReport.Format output;

    @Option(names = "--bandwidth-mib", paramLabel = "MIB",
            description = "size of the buffer read to measure the memory bandwidth (default: 4x the L3 cache, 512 to 2048)")
    Long bandwidthMib;

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

    /** Passes over the bandwidth buffer after the one that faults it in; the best counts. */
    private static final int BANDWIDTH_PASSES = 5;

    @Override
    public Integer call() {
        if (streaming) {
            return streamingBenchmark();
        }
        if (promptTokens < 0 || generatedTokens < 0 || repetitions < 1) {
            throw new IllegalArgumentException("-p and -n must be 0 or more and -r at least 1");
        }
        if (bandwidthMib != null && bandwidthMib < 1) {
            throw new IllegalArgumentException("--bandwidth-mib must be at least 1, got " + bandwidthMib);
        }
        try (StreamingModel model = modelOptions.load()) {
            int threads = model.threads();
            long bufferBytes = bandwidthMib != null ? bandwidthMib << 20 : MemoryBandwidth.defaultBufferBytes();
            Console.status("measuring the read bandwidth (" + Console.bytes(bufferBytes) + ", " + threads + " threads)");
            double bandwidth = MemoryBandwidth.measure(threads, bufferBytes, BANDWIDTH_PASSES);
            InstructionSet isa = InstructionSet.detect();
            Console.status(String.format("read bandwidth %.1f GB/s; %s", bandwidth / 1e9, isa));
            TestFactory tests = new TestFactory(model, threads, isa, bandwidth);
            // Warm-up: one untimed run of each test, so that the JIT has compiled the kernels at the
            // sizes the test uses (a few tokens left a small model's first timed run 3x slower).
            Console.status("warm-up run");
            runPrompt(model, Math.max(1, promptTokens), kvType.type());
            runGeneration(model, Math.max(1, generatedTokens), kvType.type());
            List<BenchRun> runs = new ArrayList<>();
            if (promptTokens > 0) {
                runs.add(tests.run(promptTokens, 0, measure("pp" + promptTokens, promptTokens, () -> runPrompt(model, promptTokens, kvType.type()))));
            }
            if (generatedTokens > 0) {
                runs.add(tests.run(0, generatedTokens, measure("tg" + generatedTokens, generatedTokens,
                        () -> runGeneration(model, generatedTokens, kvType.type()))));
            }
            System.out.print(BenchReport.format(output, runs));
            System.out.flush();
        }
        return 0;
    }

    /** The fields every test of this model shares. */
    private final class TestFactory {
        private final StreamingModel model;
        private final int threads;
        private final InstructionSet isa;
        private final double bandwidth;

        TestFactory(StreamingModel model, int threads, InstructionSet isa, double bandwidth) {
            this.model = model;
            this.threads = threads;
            this.isa = isa;
            this.bandwidth = bandwidth;
        }

        BenchRun run(int prompt, int generated, long[] samplesNs) {
            ModelWeights weights = model.weights();
            String type = model.info().architecture() + " " + BenchReport.params(weights.parameters()) + " "
                    + weights.layerType();
            String time = DateTimeFormatter.ISO_INSTANT.format(Instant.now().truncatedTo(ChronoUnit.SECONDS));
            return new BenchRun(modelOptions.modelPath().toString(), type, weights.bytes(), weights.parameters(), threads,
                    prompt, generated, time, samplesNs, InstructionSet.cpuName(), isa, bandwidth, weights.bytesPerToken(),
                    kvType.type().label());
        }
    }

    private int streamingBenchmark() {
        StreamingBenchmark.Settings settings = new StreamingBenchmark.Settings(cacheSizes,
                policies.stream().map(BenchCommand::parseKind).toList(), tokensPerPoint, recomputeTokens);
        try (StreamingModel model = modelOptions.load()) {
            List<StreamingBenchmark.Point> points = new StreamingBenchmark(model, settings, kvType.type()).run(Console::status);
            StreamingSession empty = model.newSession(SessionOptions.of(CachePolicy.dense()).prefillChunk(1).kvType(kvType.type()));
            String title = model.info().name() + " (" + model.weights().layerType() + ", " + model.threads() + " threads, "
                    + KvTypeOption.describe(empty.stats()) + ")";
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

    /** Times {@code repetitions} runs, each on stderr as it ends (a pp512 of a large model takes a while). */
    private long[] measure(String test, int tokens, Runnable run) {
        long[] samples = new long[repetitions];
        for (int r = 0; r < repetitions; r++) {
            long start = System.nanoTime();
            run.run();
            samples[r] = System.nanoTime() - start;
            Console.status(String.format("%s: run %d of %d, %.2f tok/s", test, r + 1, repetitions, tokens / (samples[r] / 1e9)));
        }
        return samples;
    }

    /** One prompt of {@code n} random tokens, prefilled as a single batch into an empty cache. */
    private static void runPrompt(StreamingModel model, int n, KvType kvType) {
        StreamingSession session = model.newSession(SessionOptions.of(CachePolicy.dense()).prefillChunk(n).kvType(kvType));
        session.append(randomTokens(model, n, 1));
    }

    /** {@code n} tokens decoded one at a time from an empty cache, as llama-bench's tg test does. */
    private static void runGeneration(StreamingModel model, int n, KvType kvType) {
        StreamingSession session = model.newSession(SessionOptions.of(CachePolicy.dense()).prefillChunk(1).kvType(kvType));
        int[] tokens = randomTokens(model, n, 2);
        for (int token : tokens) {
            session.append(token);
        }
    }

    private static int[] randomTokens(StreamingModel model, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(model.info().vocabularySize());
        }
        return tokens;
    }
}
