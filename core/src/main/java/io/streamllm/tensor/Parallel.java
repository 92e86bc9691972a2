package io.streamllm.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads that splits a range of work items into one contiguous
 * part per thread. The calling thread does the first part itself, so a pool of N threads starts
 * N-1 workers.
 *
 * <p>Decoding a small model calls this thousands of times per second with jobs of a few
 * microseconds, so a hand-off must cost far less than that: a job is published by bumping a
 * volatile counter that idle workers spin on, and nothing is allocated per call (about 0.2 us per
 * call on 2 threads). Waking a parked thread costs far more (50-100 us measured on a VM), so both
 * sides spin for a while before parking: a worker for {@link #SPIN_NANOS} after its last job (the
 * next matmul usually comes sooner), the caller as long for the workers to finish. Once parked,
 * an idle pool costs no CPU. The spins must outlast a wake-up: with shorter ones, a worker that
 * parked once makes the caller park too, and each then sleeps through the other's next hand-off.
 * After {@link #PURE_SPIN_NANOS} the spin yields the CPU at each turn, in case there are more
 * threads than cores (other processes, or a pool larger than the machine).
 *
 * <p>One job runs at a time. A call made while the pool is busy (from another thread, or from
 * inside a task) runs on the calling thread alone, which is correct, just not parallel.
 */
public final class Parallel implements AutoCloseable {

    /** A piece of work over items [start, end). */
    @FunctionalInterface
    public interface RangeTask {
        void run(int start, int end);
    }

    /** How long an idle worker spins for the next job, or the caller for the workers, before parking. */
    static final long SPIN_NANOS = 1_000_000;
    /** How much of that spin does not yield the CPU. */
    static final long PURE_SPIN_NANOS = 20_000;

    private static volatile Parallel common;

    private final int threads;
    private final Worker[] workers;

    // The current job: written by the caller before the volatile write of `epoch` that publishes it,
    // read by the workers after they see the new epoch.
    private RangeTask task;
    private int n;
    private int grain;
    private int parts;

    /** Bumped once per job; workers wait for it to change. */
    private volatile int epoch;
    /** Workers that have not finished the current job. */
    private final AtomicInteger pending = new AtomicInteger();
    /** The caller while it is parked waiting for {@link #pending} to reach 0, else null. */
    private volatile Thread waiter;
    /** The first exception a part of the current job threw. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Held by the thread whose job is running. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;

    private Parallel(int threads) {
        this.threads = threads;
        this.workers = new Worker[threads - 1];
        for (int i = 0; i < workers.length; i++) {
            workers[i] = new Worker(i + 1);
            workers[i].start();
        }
    }

    public static Parallel create(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        return new Parallel(threads);
    }

    /**
     * The shared pool. Its size is, in order: {@link #setCommonThreads}, the system property
     * {@code streamllm.threads}, or {@link #defaultThreads()}.
     */
    public static Parallel common() {
        Parallel pool = common;
        if (pool == null) {
            synchronized (Parallel.class) {
                if (common == null) {
                    common = create(Integer.getInteger("streamllm.threads", defaultThreads()));
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

    /**
     * The number of physical cores this JVM may use. The kernels are limited by the FMA units and
     * memory bandwidth of a core, which hyper-threads share, and an extra spinning thread would only
     * take time from the others; so SMT siblings are not counted.
     */
    public static int defaultThreads() {
        int logical = Runtime.getRuntime().availableProcessors();
        return Math.max(1, logical / threadsPerCore());
    }

    /** Hardware threads per core, from Linux's CPU topology; 1 if unknown. */
    private static int threadsPerCore() {
        try {
            String siblings = Files.readString(Path.of("/sys/devices/system/cpu/cpu0/topology/thread_siblings_list")).trim();
            int count = 0;
            for (String part : siblings.split(",")) {
                String[] range = part.split("-");
                count += range.length == 1 ? 1 : Integer.parseInt(range[1]) - Integer.parseInt(range[0]) + 1;
            }
            return Math.max(1, count);
        } catch (IOException | RuntimeException e) {
            return 1;
        }
    }

    public int threads() {
        return threads;
    }

    /** Runs {@code task} over [0, n), split into up to {@link #threads()} contiguous parts; returns when all are done. */
    public void forRange(int n, RangeTask task) {
        forRange(n, 1, task);
    }

    /**
     * Like {@link #forRange(int, RangeTask)}, with every part but the last starting and ending on a
     * multiple of {@code grain} (for kernels that process items in tiles). An exception thrown by any
     * part is rethrown here once all parts have finished.
     */
    public void forRange(int n, int grain, RangeTask task) {
        if (n < 0 || grain < 1) {
            throw new IllegalArgumentException("n = " + n + ", grain = " + grain);
        }
        int units = (int) (((long) n + grain - 1) / grain);
        int parts = Math.min(threads, units);
        if (parts < 2 || closed || !busy.compareAndSet(false, true)) {
            task.run(0, n);
            return;
        }
        try {
            this.task = task;
            this.n = n;
            this.grain = grain;
            this.parts = parts;
            pending.set(workers.length);
            epoch++; // publishes the job (volatile write; only the busy holder writes it)
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            runPart(0);
            awaitWorkers();
            this.task = null;
            Throwable t = failure.getAndSet(null);
            if (t != null) {
                throw propagate(t);
            }
        } finally {
            busy.set(false);
        }
    }

    private void runPart(int part) {
        int start = partStart(part);
        int end = partStart(part + 1);
        if (start < end) {
            try {
                task.run(start, end);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
        }
    }

    /** The first item of part {@code part}, on a multiple of {@code grain}; {@code n} past the last part. */
    private int partStart(int part) {
        if (part >= parts) {
            return n;
        }
        long units = ((long) n + grain - 1) / grain;
        return (int) Math.min(n, units * part / parts * grain);
    }

    private void awaitWorkers() {
        if (pending.get() == 0) {
            return;
        }
        long start = System.nanoTime();
        for (int spins = 0; pending.get() != 0; spins++) {
            if (!spinOnce(spins, start)) {
                waiter = Thread.currentThread();
                while (pending.get() != 0) {
                    LockSupport.park(this);
                }
                waiter = null;
                return;
            }
        }
    }

    /**
     * One turn of a wait loop that started at {@code start}: a pause, or a yield once the pure spin
     * is over. False once it is time to park. Reads the clock only every 64 turns.
     */
    private static boolean spinOnce(int spins, long start) {
        if ((spins & 63) != 63) {
            Thread.onSpinWait();
            return true;
        }
        long waited = System.nanoTime() - start;
        if (waited > SPIN_NANOS) {
            return false;
        }
        if (waited > PURE_SPIN_NANOS) {
            Thread.yield();
        }
        return true;
    }

    private static RuntimeException propagate(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("parallel task failed", t);
    }

    /** Stops the workers (they finish the current job first). Later calls run on the calling thread. */
    @Override
    public void close() {
        closed = true;
        for (Worker w : workers) {
            LockSupport.unpark(w);
        }
    }

    /** Worker threads still running (for tests of {@link #close()}). */
    int liveWorkers() {
        int live = 0;
        for (Worker w : workers) {
            if (w.isAlive()) {
                live++;
            }
        }
        return live;
    }

    private final class Worker extends Thread {
        private final int part;
        /** Set while parked (or about to park), so that the caller knows to unpark it. */
        volatile boolean parked;

        Worker(int part) {
            super("streamllm-worker-" + part);
            this.part = part;
            setDaemon(true);
        }

        @Override
        public void run() {
            int seen = 0; // the epoch a fresh pool starts at, even if a job was published before this thread ran
            while (true) {
                int current = awaitJob(seen);
                if (closed) {
                    return;
                }
                seen = current;
                runPart(part);
                if (pending.decrementAndGet() == 0) {
                    Thread w = waiter;
                    if (w != null) {
                        LockSupport.unpark(w);
                    }
                }
            }
        }

        /** Waits until the epoch differs from {@code seen} (or the pool closes); returns the new epoch. */
        private int awaitJob(int seen) {
            long start = System.nanoTime();
            for (int spins = 0; ; spins++) {
                int current = epoch;
                if (current != seen || closed) {
                    return current;
                }
                if (!spinOnce(spins, start)) {
                    break;
                }
            }
            // Announce the park before re-checking the epoch: the caller bumps the epoch before it
            // reads `parked`, so either we see the new epoch or it sees `parked` and unparks us.
            parked = true;
            try {
                while (true) {
                    int current = epoch;
                    if (current != seen || closed) {
                        return current;
                    }
                    LockSupport.park(this);
                }
            } finally {
                parked = false;
            }
        }
    }
}
