package io.streamllm.tensor;

/**
 * A persistent pool of worker threads that splits a range of work items into one contiguous
 * part per thread. The calling thread does the first part itself, so a pool of N threads starts
 * N-1 workers. Work too small to be worth a hand-off runs inline.
 */
public final class Parallel implements AutoCloseable {

    /** A piece of work over items [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    private static volatile Parallel common;

    private final int threads;
    private final java.util.concurrent.ExecutorService workers;

    private Parallel(int threads) {
        this.threads = threads;
        this.workers = threads > 1
                ? java.util.concurrent.Executors.newFixedThreadPool(threads - 1, r -> {
                    Thread t = new Thread(r, "streamllm-worker");
                    t.setDaemon(true);
                    return t;
                })
                : null;
    }

    public static Parallel create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new Parallel(threads);
    }

    /** The shared pool, sized to the available processors unless {@link #setCommonThreads} said otherwise. */
    public static Parallel common() {
        Parallel pool = common;
        if (pool == null) {
            synchronized (Parallel.class) {
                if (common == null) {
                    common = create(Runtime.getRuntime().availableProcessors());
                }
                pool = common;
            }
        }
        return pool;
    }

    /** Replaces the shared pool by one of {@code threads} threads. */
    public static synchronized void setCommonThreads(int threads) {
        Parallel old = common;
        common = create(threads);
        if (old != null) {
            old.close();
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over [0, n), split into up to {@link #threads()} contiguous parts; returns when all are done. */
    public void forRange(int n, RangeTask task) {
        if (threads == 1 || n < 2) {
            task.run(0, n);
            return;
        }
        int parts = Math.min(threads, n);
        java.util.concurrent.Future<?>[] futures = new java.util.concurrent.Future<?>[parts - 1];
        for (int p = 1; p < parts; p++) {
            int start = (int) ((long) n * p / parts);
            int end = (int) ((long) n * (p + 1) / parts);
            futures[p - 1] = workers.submit(() -> task.run(start, end));
        }
        task.run(0, (int) ((long) n / parts));
        for (java.util.concurrent.Future<?> f : futures) {
            try {
                f.get();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            } catch (java.util.concurrent.ExecutionException e) {
                if (e.getCause() instanceof RuntimeException re) {
                    throw re;
                }
                throw new IllegalStateException(e.getCause());
            }
        }
    }

    @Override
    public void close() {
        if (workers != null) {
            workers.shutdownNow();
        }
    }
}
