package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.function.Consumer;

/**
 * Per-token decode latency and memory at several cache sizes, as the paper's Figure 10: StreamingLLM
 * (a full sink cache) against the sliding window with re-computation, and dense attention over the same
 * context. For each cache size C and policy, a prefill fills the context with C random tokens, then a
 * few single-token steps are timed; only those steps count.
 */
public final class StreamingBenchmark {
    /** Sinks of the StreamingLLM policy measured (the paper's choice). */
    public static final int SINKS = 4;

    /** The policies compared, each sized for a cache of C tokens. */
    public enum Kind {
        /** sink:4:(C-4), the cache full so that every step evicts a token. */
        SINK,
        /** recompute:C, every step re-encodes the last C tokens. */
        RECOMPUTE,
        /** dense, with C tokens of context. */
        DENSE;

        public CachePolicy policy(int cacheSize) {
            return switch (this) {
                case SINK -> CachePolicy.sink(SINKS, cacheSize - SINKS);
                case RECOMPUTE -> CachePolicy.recompute(cacheSize);
                case DENSE -> CachePolicy.dense();
            };
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * One measurement.
     *
     * @param samples  single-token steps timed
     * @param medianMs median time of one step
     * @param meanMs   mean time of one step
     * @param rssBytes resident set size of the process after the steps (-1 when unknown)
     * @param kvBytes  bytes the session's KV cache holds allocated
     */
    public record Point(int cacheSize, Kind kind, String policy, int samples, double medianMs, double meanMs,
                        long rssBytes, long kvBytes) {
    }

    /**
     * What to measure.
     *
     * @param tokensPerPoint  steps timed for the sink and dense policies at each size
     * @param recomputeTokens steps timed for recompute (each costs a prefill of C tokens)
     */
    public record Settings(List<Integer> cacheSizes, List<Kind> kinds, int tokensPerPoint, int recomputeTokens) {
        public Settings {
            if (cacheSizes.isEmpty() || kinds.isEmpty()) {
                throw new IllegalArgumentException("give at least one cache size and one policy");
            }
            for (int c : cacheSizes) {
                if (c <= SINKS) {
                    throw new IllegalArgumentException("cache size " + c + " leaves no window beside " + SINKS
                            + " sinks; use sizes above " + SINKS);
                }
            }
            if (tokensPerPoint < 1 || recomputeTokens < 1) {
                throw new IllegalArgumentException("at least 1 token must be timed per point");
            }
            cacheSizes = cacheSizes.stream().sorted().distinct().toList();
            kinds = List.copyOf(kinds);
        }

        int samples(Kind kind) {
            return kind == Kind.RECOMPUTE ? recomputeTokens : tokensPerPoint;
        }
    }

    private static final int WARMUP_PREFILL = 32;
    private static final int WARMUP_STEPS = 4;

    private final StreamingModel model;
    private final Settings settings;
    private final KvType kvType;
    private final SplittableRandom random = new SplittableRandom(1);

    public StreamingBenchmark(StreamingModel model, Settings settings) {
        this(model, settings, KvType.F32);
    }

    /** As above, with KV caches that store keys and values as {@code kvType}. */
    public StreamingBenchmark(StreamingModel model, Settings settings, KvType kvType) {
        this.model = model;
        this.settings = settings;
        this.kvType = kvType;
    }

    /** Measures every size and policy, smallest size first, reporting each phase to {@code status}. */
    public List<Point> run(Consumer<String> status) {
        long start = System.nanoTime();
        status.accept("warming up (JIT) with a short stream");
        measure(CachePolicy.sink(SINKS, WARMUP_PREFILL), WARMUP_PREFILL, WARMUP_STEPS);
        List<Point> points = new ArrayList<>();
        int total = settings.cacheSizes().size() * settings.kinds().size();
        for (int c : settings.cacheSizes()) {
            for (Kind kind : settings.kinds()) {
                CachePolicy policy = kind.policy(c);
                int samples = settings.samples(kind);
                status.accept(String.format("[%d/%d] C=%d %s: prefill of %d tokens, then %d timed step%s",
                        points.size() + 1, total, c, policy.spec(), c, samples, samples == 1 ? "" : "s"));
                Measurement m = measure(policy, c, samples);
                Point point = new Point(c, kind, policy.spec(), samples, Statistics.median(m.stepMs), Statistics.mean(m.stepMs), m.rssBytes,
                        m.kvBytes);
                points.add(point);
                status.accept(String.format("[%d/%d] C=%d %s: %.2f ms/token (elapsed %.0f s)", points.size(), total, c,
                        policy.spec(), point.medianMs(), (System.nanoTime() - start) / 1e9));
            }
        }
        return points;
    }

    private record Measurement(double[] stepMs, long rssBytes, long kvBytes) {
    }

    private Measurement measure(CachePolicy policy, int contextTokens, int steps) {
        // Collect the previous point's cache first, so that the RSS read below reflects this point's.
        System.gc();
        StreamingSession session = model.newSession(SessionOptions.of(policy).kvType(kvType));
        session.append(randomTokens(contextTokens));
        double[] stepMs = new double[steps];
        for (int i = 0; i < steps; i++) {
            int token = random.nextInt(model.info().vocabularySize());
            long t0 = System.nanoTime();
            session.append(token);
            stepMs[i] = (System.nanoTime() - t0) / 1e6;
        }
        return new Measurement(stepMs, ProcessMemory.residentBytes(), session.stats().allocatedBytes());
    }

    private int[] randomTokens(int n) {
        int[] tokens = new int[n];
        for (int i = 0; i < n; i++) {
            tokens[i] = random.nextInt(model.info().vocabularySize());
        }
        return tokens;
    }

    /** The ratio recompute/sink of median step times at a cache size, or NaN when one is missing. */
    public static double speedup(List<Point> points, int cacheSize) {
        double sink = Double.NaN;
        double recompute = Double.NaN;
        for (Point p : points) {
            if (p.cacheSize() == cacheSize && p.kind() == Kind.SINK) {
                sink = p.medianMs();
            } else if (p.cacheSize() == cacheSize && p.kind() == Kind.RECOMPUTE) {
                recompute = p.medianMs();
            }
        }
        return recompute / sink;
    }
}
