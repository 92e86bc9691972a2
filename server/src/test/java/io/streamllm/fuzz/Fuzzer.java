package io.streamllm.fuzz;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Runs a target over its corpus, then over {@code count} mutated inputs. An input that throws anything
 * but the target's documented error, or that takes over a second of CPU time, is a finding: it is saved
 * (one file per distinct failure) so that it can join the corpus as a regression input.
 */
final class Fuzzer {
    /** An input may take at most this much CPU time (not wall time: the machine is shared). */
    static final long HANG_NANOS = 1_000_000_000L;

    private static final long PROGRESS_NANOS = 60_000_000_000L;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();

    /** What a run saw. */
    record Report(String target, long inputs, long succeeded, long refused, double seconds,
                  Map<String, Finding> findings) {
        double inputsPerSecond() {
            return inputs / seconds;
        }

        String summary() {
            return String.format("%-15s %,11d inputs in %8.1f s (%,8.0f inputs/s): %,d succeeded, %,d refused cleanly, %d findings",
                    target, inputs, seconds, inputsPerSecond(), succeeded, refused, findings.size());
        }
    }

    /** One distinct failure, with the first input that showed it. */
    record Finding(String signature, String stackTrace, byte[] input) {
    }

    private Fuzzer() {
    }

    /** The inputs of a corpus folder (seeds and past findings), in name order; none when it is absent. */
    static List<byte[]> corpus(Path folder) throws IOException {
        List<byte[]> inputs = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
                    inputs.add(Files.readAllBytes(file));
                }
            }
        }
        return inputs;
    }

    /**
     * Replays {@code corpus}, then runs {@code count} inputs mutated from it with the random {@code seed}.
     * {@code findingsFolder} (may be null) receives each distinct finding's input and stack trace.
     */
    static Report run(FuzzTarget target, List<byte[]> corpus, long count, long seed, Path findingsFolder) throws IOException {
        return run(target, corpus, count, seed, findingsFolder, null);
    }

    /** As above; {@code progress} (may be null) receives a running count about every {@link #PROGRESS_NANOS}. */
    static Report run(FuzzTarget target, List<byte[]> corpus, long count, long seed, Path findingsFolder,
                      Consumer<Report> progress) throws IOException {
        Map<String, Finding> findings = new LinkedHashMap<>();
        long succeeded = 0;
        long refused = 0;
        long start = System.nanoTime();
        Mutator mutator = new Mutator(seed, corpus, target.dictionary());
        warmUp(target, corpus);
        long total = corpus.size() + count;
        long lastProgress = start;
        for (long i = 0; i < total; i++) {
            if (progress != null && (i & 255) == 0 && System.nanoTime() - lastProgress > PROGRESS_NANOS) {
                lastProgress = System.nanoTime();
                progress.accept(new Report(target.name(), i, succeeded, refused, (lastProgress - start) / 1e9, findings));
            }
            byte[] input = i < corpus.size() ? corpus.get((int) i) : mutator.next();
            Throwable failure = null;
            long cpuStart = THREADS.getCurrentThreadCpuTime();
            try {
                target.run(input);
            } catch (Throwable t) {
                failure = t;
            }
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuStart;
            if (failure != null && !target.isDocumented(failure)) {
                record(findings, signature(failure), stackTrace(failure), input, findingsFolder, target);
            } else if (cpu > HANG_NANOS) {
                record(findings, "hang: over 1 s of CPU (" + cpu / 1_000_000 + " ms)", "", input, findingsFolder, target);
            } else if (failure == null) {
                succeeded++;
            } else {
                refused++;
            }
        }
        return new Report(target.name(), total, succeeded, refused, (System.nanoTime() - start) / 1e9, findings);
    }

    /** Class loading and first-use set-up would otherwise count against the first input's CPU time. */
    private static void warmUp(FuzzTarget target, List<byte[]> corpus) {
        for (int i = 0; i < Math.min(3, corpus.size()); i++) {
            try {
                target.run(corpus.get(i));
            } catch (Throwable ignored) {
                // judged when the corpus is replayed
            }
        }
    }

    private static void record(Map<String, Finding> findings, String signature, String stackTrace, byte[] input,
                               Path folder, FuzzTarget target) throws IOException {
        if (findings.containsKey(signature)) {
            return;
        }
        findings.put(signature, new Finding(signature, stackTrace, input));
        if (folder != null) {
            Path dir = folder.resolve(target.name());
            Files.createDirectories(dir);
            String file = String.format("crash-%08x", signature.hashCode());
            Files.write(dir.resolve(file + ".bin"), input);
            Files.writeString(dir.resolve(file + ".txt"), signature + "\n" + stackTrace);
        }
    }

    /** The exception type and the first frame of streamllm code: the same bug gives the same signature. */
    static String signature(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().startsWith("io.streamllm") && !frame.getClassName().startsWith("io.streamllm.fuzz")) {
                return t.getClass().getName() + " at " + frame.getClassName() + "." + frame.getMethodName() + ":" + frame.getLineNumber();
            }
        }
        StackTraceElement[] trace = t.getStackTrace();
        return t.getClass().getName() + (trace.length > 0 ? " at " + trace[0] : "");
    }

    private static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        String text = out.toString();
        return text.length() > 20_000 ? text.substring(0, 20_000) : text;
    }
}
