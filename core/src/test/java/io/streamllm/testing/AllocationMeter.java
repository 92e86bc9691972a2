package io.streamllm.testing;

import java.lang.management.ManagementFactory;

/** Bytes allocated on the heap by the calling thread (HotSpot's per-thread allocation counter). */
public final class AllocationMeter {
    private static final com.sun.management.ThreadMXBean THREADS =
            (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private AllocationMeter() {
    }

    /** Bytes the calling thread allocated so far. */
    public static long threadAllocatedBytes() {
        return THREADS.getCurrentThreadAllocatedBytes();
    }

    /** A loop body run for one unit of work (a token); returns how many tokens it handled. */
    @FunctionalInterface
    public interface Work {
        long run();
    }

    /**
     * Runs {@code work} {@code warmUps} times (so that the JIT compiles it and buffers reach their size),
     * then {@code rounds} times, and returns the bytes allocated per token over those rounds.
     */
    public static double bytesPerToken(Work work, int warmUps, int rounds) {
        for (int i = 0; i < warmUps; i++) {
            work.run();
        }
        long tokens = 0;
        long before = THREADS.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < rounds; i++) {
            tokens += work.run();
        }
        long allocated = THREADS.getCurrentThreadAllocatedBytes() - before;
        return (double) allocated / Math.max(1, tokens);
    }
}
