package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.flink.KeyedScorer;
import io.streamllm.flink.ScorerSettings;
import io.streamllm.flink.SharedModels;
import io.streamllm.flink.StdoutSink;
import io.streamllm.flink.StreamJob;
import io.streamllm.flink.StreamJobSettings;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

@Command(name = "stream", mixinStandardHelpOptions = true,
        description = {"Scores keyed text records on an embedded Apache Flink mini-cluster: one StreamingLLM cache per key"
                + " in Flink's keyed state.",
                "Input: one record per line, key<TAB>text, or key<TAB>text<TAB>generate: N to also generate an N-token"
                        + " continuation from the key's cache (sampled with a fixed seed).",
                "Output, one JSON line per record on stdout: line, key, tokens, score (mean NLL in nats of the record's"
                        + " tokens given the key's stream before it), perplexity, stream_tokens[, continuation]; or line,"
                        + " key, error. Progress goes to stderr."})
final class StreamCommand implements Callable<Integer> {
    /** Sampler seed of the continuations: fixed, so that a rerun (or a replay after a failure) gives the same text. */
    static final long SEED = 42;

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--input", required = true, paramLabel = "FILE|-", description = "the records: a file, or - for stdin")
    String input;

    @Option(names = "--cache", paramLabel = "P",
            description = "each key's cache: sink:S:W, window:W, recompute:W or dense (default: sink:4:W filling the"
                    + " model's trained context)")
    String cache;

    @Option(names = "--parallelism", defaultValue = "1", paramLabel = "N",
            description = "parallel instances of the keyed operator (keys are spread over them; default: ${DEFAULT-VALUE})")
    int parallelism;

    @Option(names = "--checkpoint-dir", paramLabel = "DIR",
            description = "checkpoint the keyed state there every 2 s (default: no checkpoints)")
    Path checkpointDir;

    @Override
    public Integer call() throws Exception {
        if (parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be at least 1, got " + parallelism);
        }
        if (cache != null) {
            CachePolicy.parse(cache); // a bad spec is named here, not as a failed job
        }
        Path records = input.equals("-") ? stdinToFile() : Path.of(input);
        try {
            if (!Files.isReadable(records) || Files.isDirectory(records)) {
                throw new IllegalArgumentException("--input " + input + ": no such readable file");
            }
            return run(records);
        } finally {
            if (!records.toString().equals(input)) {
                Files.deleteIfExists(records);
            }
        }
    }

    private int run(Path records) throws Exception {
        Path modelPath = modelOptions.modelPath();
        int threads = modelOptions.threads == null ? 1 : modelOptions.loadOptions().threads();
        // Loaded here, once: a bad model file fails with its own message before any job starts, and the job's
        // operators on this JVM share this instance.
        SharedModels.acquire(modelPath, threads);
        try {
            long total = countLines(records);
            StreamJobSettings settings = new StreamJobSettings(
                    new ScorerSettings(modelPath.toString(), cache, threads, SEED), records.toString(), null, parallelism,
                    checkpointDir == null ? null : checkpointDir.toString(), 2000, "hashmap");
            StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                    parallelism, StreamJob.configuration(settings));
            StreamJob.build(env, settings);

            long start = System.nanoTime();
            long before = StdoutSink.written();
            ScheduledExecutorService progress = Executors.newSingleThreadScheduledExecutor(runnable -> {
                Thread thread = new Thread(runnable, "stream-progress");
                thread.setDaemon(true);
                return thread;
            });
            progress.scheduleAtFixedRate(() -> report(StdoutSink.written() - before, total, start),
                    1, 1, TimeUnit.SECONDS);
            JobExecutionResult result;
            try {
                result = env.execute("streamllm stream " + records.getFileName());
            } finally {
                progress.shutdownNow();
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Long tokens = result.getAccumulatorResult(KeyedScorer.TOKENS_ACCUMULATOR);
            long done = StdoutSink.written() - before;
            Console.status(String.format("stream: %d records, %d tokens in %.1f s: %.1f records/s, %.0f tokens/s"
                            + " (parallelism %d)", done, tokens == null ? 0 : tokens, seconds, done / seconds,
                    (tokens == null ? 0 : tokens) / seconds, parallelism));
            return 0;
        } finally {
            SharedModels.release(modelPath);
        }
    }

    private static void report(long done, long total, long start) {
        double seconds = (System.nanoTime() - start) / 1e9;
        Console.status(String.format("stream: %d/%d records, %.1f records/s", done, total, done / seconds));
    }

    private static long countLines(Path file) throws IOException {
        long lines = 0;
        int lastByte = '\n';
        try (InputStream in = Files.newInputStream(file)) {
            byte[] buffer = new byte[1 << 16];
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                lastByte = buffer[read - 1];
            }
        }
        return lastByte == '\n' ? lines : lines + 1;
    }

    /** The job reads a file (Flink's file source can be replayed from a checkpoint; a pipe cannot): stdin goes to one. */
    private static Path stdinToFile() {
        try {
            Path file = Files.createTempFile("streamllm-stream-", ".tsv");
            Files.copy(System.in, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read stdin: " + e.getMessage(), e);
        }
    }
}
