package io.streamllm.tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A persistent pool of worker threads that splits a range of work items into contiguous chunks.
 * The calling thread works too, so a pool of N threads starts N-1 workers.
 *
 * <p>There are a few chunks per thread ({@link #CHUNKS_PER_THREAD}), taken in order by whichever
 * thread is free, and a job is done when its chunks are, not when every worker has checked in:
 * a thread that the OS preempts (other processes, GC, the JIT) delays the job by at most the chunk
 * it holds, and a tiny job that the caller finishes alone does not wait for the workers at all.
 * On a machine shared with other builds, one fixed part per thread made two threads slower than one.
 *
 * <p>Decoding a small model calls this thousands of times per second with jobs of a few
 * microseconds, so a hand-off must cost far less than that: a job is published by one atomic
 * write that idle workers spin on, and nothing is allocated per call (about 0.2 us per call on
 * 2 idle cores). Waking a parked thread costs far more (50-100 us measured on a VM), so both sides
 * spin for a while before parking: a worker for {@link #SPIN_NANOS} after its last job (the next
 * matmul usually comes sooner), the caller as long for the last chunks to finish. Once parked, an
 * idle pool costs no CPU. The spins must outlast a wake-up: with shorter ones, a worker that
 * parked once made the caller park too, and each then slept through the other's next hand-off.
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

    /**
     * A piece of work over items [start, end) that gets its inputs as an argument: unlike a capturing
     * lambda, a task held in a constant costs no allocation per call.
     */
    @FunctionalInterface
    public interface ArgumentTask<A> {
        void run(A argument, int start, int end);
    }

    /** How long an idle worker spins for the next job, or the caller for the last chunks, before parking. */
    static final long SPIN_NANOS = 1_000_000;
    /** How much of that spin does not yield the CPU. */
    static final long PURE_SPIN_NANOS = 20_000;

    /**
     * The work (multiply-adds) below which a job runs on the caller: a few microseconds of it, against
     * a hand-off of 0.2 us between idle cores and far more when a worker has been preempted.
     */
    public static final long MIN_SPLIT_WORK = 1L << 15;

    /** Chunks per thread: enough to even out a slow thread, few enough that taking one is cheap. */
    static final int CHUNKS_PER_THREAD = 4;
    /** Chunks fit in the 8 bits the claim word has for them. */
    private static final int MAX_CHUNKS = 255;


    private final int threads;
    private final Worker[] workers;

    // The current job: written by the caller before the claim word publishes it, read by a thread
    // only after it has claimed one of its chunks (so the job cannot end and be replaced meanwhile).
    private RangeTask task;
    private int n;
    private int grain;
    private ArgumentTask<Object> argumentTask;
    private Object argument;
    private final RangeTask withArgument = (start, end) -> argumentTask.run(argument, start, end);

    /**
     * The job's claim word: job number (bits 40-63), chunk count (bits 32-39) and next chunk to take
     * (bits 0-31). A thread takes a chunk by incrementing it with a compare-and-set, which fails if
     * the job changed in between; the chunk count travels in the same word so that no thread ever
     * compares a chunk index of one job with the chunk count of another.
     */
    private final AtomicLong claim = new AtomicLong();
    /** Chunks of the current job finished. */
    private final AtomicInteger done = new AtomicInteger();
    /** The caller while it is parked waiting for the last chunks, else null. */
    private volatile Thread waiter;
    /** The first exception a chunk of the current job threw. */
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    /** Held by the thread whose job is running. */
    private final AtomicBoolean busy = new AtomicBoolean();
    private volatile boolean closed;
    /** Number of the last job published (only the busy holder writes it). */
    private long jobs;

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

    /** Runs {@code task} over [0, n), split into contiguous chunks run on the pool's threads; returns when all are done. */
    public void forRange(int n, RangeTask task) {
        forRange(n, 1, task);
    }

    /**
     * Like {@link #forRange(int, RangeTask)}, with every chunk but the last starting and ending on a
     * multiple of {@code grain} (for kernels that process items in tiles). An exception thrown by any
     * chunk is rethrown here once all chunks have finished.
     */
    public void forRange(int n, int grain, RangeTask task) {
        if (!startJob(n, grain)) {
            task.run(0, n);
            return;
        }
        runJob(task, n, grain);
    }

    /** Like {@link #forRange(int, int, RangeTask)}, passing {@code argument} to every chunk of {@code task}. */
    @SuppressWarnings("unchecked")
    public <A> void forRange(int n, int grain, ArgumentTask<A> task, A argument) {
        if (!startJob(n, grain)) {
            task.run(argument, 0, n);
            return;
        }
        this.argumentTask = (ArgumentTask<Object>) task;
        this.argument = argument;
        runJob(withArgument, n, grain);
    }

    /**
     * Like {@link #forRange(int, int, ArgumentTask, Object)}, run on the calling thread alone when the job is
     * {@code multiplyAdds} &lt; {@link #MIN_SPLIT_WORK}: a tiny model's steps are then not slowed by hand-offs.
     */
    public <A> void forRange(int n, int grain, ArgumentTask<A> task, A argument, long multiplyAdds) {
        if (multiplyAdds < MIN_SPLIT_WORK) {
            if (n < 0 || grain < 1) {
                throw new IllegalArgumentException("n = " + n + ", grain = " + grain);
            }
            task.run(argument, 0, n);
            return;
        }
        forRange(n, grain, task, argument);
    }

    /** Whether the range is worth splitting and this call owns the pool; else the caller runs it alone. */
    private boolean startJob(int n, int grain) {
        if (n < 0 || grain < 1) {
            throw new IllegalArgumentException("n = " + n + ", grain = " + grain);
        }
        int units = (int) (((long) n + grain - 1) / grain);
        return Math.min(threads, units) >= 2 && !closed && busy.compareAndSet(false, true);
    }

    private void runJob(RangeTask task, int n, int grain) {
        try {
            int units = (int) (((long) n + grain - 1) / grain);
            int chunks = (int) Math.min(Math.min(units, (long) threads * CHUNKS_PER_THREAD), MAX_CHUNKS);
            this.task = task;
            this.n = n;
            this.grain = grain;
            done.set(0);
            jobs = (jobs + 1) & 0xff_ffffL;
            claim.set(jobs << 40 | (long) chunks << 32); // publishes the job
            for (Worker w : workers) {
                if (w.parked) {
                    LockSupport.unpark(w);
                }
            }
            runChunks(jobs);
            awaitChunks(chunks);
            Throwable t = failure.getAndSet(null);
            if (t != null) {
                throw propagate(t);
            }
        } finally {
            this.task = null;
            this.argumentTask = null;
            this.argument = null;
            busy.set(false);
        }
    }

    /** The job number of a claim word. */
    private static long job(long claimWord) {
        return claimWord >>> 40;
    }

    /** Takes and runs chunks of job {@code job} until none is left or the job is over. */
    private void runChunks(long job) {
        while (true) {
            long c = claim.get();
            int chunks = (int) (c >>> 32) & 0xff;
            int chunk = (int) c;
            if (job(c) != job || chunk >= chunks) {
                return;
            }
            if (!claim.compareAndSet(c, c + 1)) {
                continue;
            }
            // Chunk `chunk` of this job is ours: the job cannot end before we finish it, so the
            // fields below (written before the claim word that our compare-and-set read) are its own.
            long units = ((long) n + grain - 1) / grain;
            int start = (int) Math.min(n, units * chunk / chunks * grain);
            int end = (int) Math.min(n, units * (chunk + 1) / chunks * grain);
            try {
                task.run(start, end);
            } catch (Throwable t) {
                failure.compareAndSet(null, t);
            }
            if (done.incrementAndGet() == chunks) {
                Thread w = waiter;
                if (w != null) {
                    LockSupport.unpark(w);
                }
            }
        }
    }

    private void awaitChunks(int chunks) {
        if (done.get() == chunks) {
            return;
        }
        long start = System.nanoTime();
        for (int spins = 0; done.get() != chunks; spins++) {
            if (!spinOnce(spins, start)) {
                // Announce the park before re-checking: the thread that finishes the last chunk
                // reads `waiter` after counting it, so either we see the count or it sees us.
                waiter = Thread.currentThread();
                while (done.get() != chunks) {
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
        /** Set while parked (or about to park), so that the caller knows to unpark it. */
        volatile boolean parked;

        Worker(int index) {
            super("streamllm-worker-" + index);
            setDaemon(true);
        }

        @Override
        public void run() {
            long seen = 0; // the job number of a fresh pool, even if a job was published before this thread ran
            while (true) {
                long job = awaitJob(seen);
                if (closed) {
                    return;
                }
                runChunks(job);
                seen = job;
            }
        }

        /** Waits until a job other than {@code seen} is published (or the pool closes); returns its number. */
        private long awaitJob(long seen) {
            long start = System.nanoTime();
            for (int spins = 0; ; spins++) {
                long job = job(claim.get());
                if (job != seen || closed) {
                    return job;
                }
                if (!spinOnce(spins, start)) {
                    break;
                }
            }
            // Announce the park before re-checking the claim word: the caller publishes a job before
            // it reads `parked`, so either we see the new job or it sees `parked` and unparks us.
            parked = true;
            try {
                while (true) {
                    long job = job(claim.get());
                    if (job != seen || closed) {
                        return job;
                    }
                    LockSupport.park(this);
                }
            } finally {
                parked = false;
            }
        }
    }
}
