package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class ParallelTest {

    @ParameterizedTest(name = "{0} threads")
    @ValueSource(ints = {1, 2, 3, 4, 7})
    void coversEveryIndexExactlyOnceInContiguousGrainAlignedChunks(int threads) {
        try (Parallel pool = Parallel.create(threads)) {
            assertThat(pool.threads()).isEqualTo(threads);
            for (int grain : new int[] {1, 2, 8}) {
                for (int n : new int[] {0, 1, 2, 3, 5, 7, 8, 9, 64, 100, 1000, 1001}) {
                    AtomicIntegerArray hits = new AtomicIntegerArray(n);
                    List<int[]> ranges = Collections.synchronizedList(new ArrayList<>());
                    pool.forRange(n, grain, (start, end) -> {
                        ranges.add(new int[] {start, end});
                        for (int i = start; i < end; i++) {
                            hits.incrementAndGet(i);
                        }
                    });
                    for (int i = 0; i < n; i++) {
                        assertThat(hits.get(i)).as("n=%d grain=%d index %d", n, grain, i).isEqualTo(1);
                    }
                    assertThat(ranges.size()).isLessThanOrEqualTo(Math.max(1, threads * Parallel.CHUNKS_PER_THREAD));
                    for (int[] range : ranges) {
                        assertThat(range[0]).isLessThanOrEqualTo(range[1]);
                        assertThat(range[0] % grain).as("start of %d..%d", range[0], range[1]).isZero();
                        if (range[1] != n) {
                            assertThat(range[1] % grain).isZero();
                        }
                    }
                }
            }
        }
    }

    @Test
    void usesAllThreadsForLargeRanges() {
        try (Parallel pool = Parallel.create(3)) {
            java.util.Set<Thread> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            CountDownLatch all = new CountDownLatch(3);
            pool.forRange(300, (start, end) -> {
                seen.add(Thread.currentThread());
                all.countDown();
                try {
                    all.await(); // only returns if three parts really run at once
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(seen).hasSize(3).contains(Thread.currentThread());
        }
    }

    @Test
    void smallJobsRunOnTheCallerAndLargeOnesOnEveryThread() {
        try (Parallel pool = Parallel.create(2)) {
            Parallel.ArgumentTask<java.util.Set<Thread>> record = (seen, start, end) -> {
                seen.add(Thread.currentThread());
                long until = System.nanoTime() + 2_000_000; // long enough for the worker to take a chunk
                while (System.nanoTime() < until) {
                    Thread.onSpinWait();
                }
            };
            java.util.Set<Thread> small = java.util.concurrent.ConcurrentHashMap.newKeySet();
            pool.forRange(8, 1, record, small, Parallel.MIN_SPLIT_WORK - 1);
            assertThat(small).containsExactly(Thread.currentThread());

            java.util.Set<Thread> large = java.util.concurrent.ConcurrentHashMap.newKeySet();
            for (int attempt = 0; attempt < 50 && large.size() < 2; attempt++) {
                pool.forRange(8, 1, record, large, Parallel.MIN_SPLIT_WORK);
            }
            assertThat(large).hasSize(2);
        }
    }

    @Test
    void propagatesExceptionsFromAnyChunk() {
        try (Parallel pool = Parallel.create(3)) {
            for (int failing : new int[] {0, 50, 99}) {
                assertThatThrownBy(() -> pool.forRange(100, (start, end) -> {
                    if (start <= failing && failing < end) {
                        throw new ArithmeticException("part at " + failing);
                    }
                })).isInstanceOf(ArithmeticException.class).hasMessage("part at " + failing);
            }
            // Errors are not wrapped either, and the pool keeps working afterwards.
            assertThatThrownBy(() -> pool.forRange(100, (start, end) -> {
                if (start > 0) {
                    throw new StackOverflowError("deep");
                }
            })).isInstanceOf(StackOverflowError.class);
            AtomicLong sum = new AtomicLong();
            pool.forRange(100, (start, end) -> sum.addAndGet(end - start));
            assertThat(sum.get()).isEqualTo(100);
        }
    }

    @Test
    void survivesManyTinyCalls() {
        try (Parallel pool = Parallel.create(2)) {
            int[] marks = new int[64];
            long[] items = new long[1];
            for (int call = 1; call <= 200_000; call++) {
                int stamp = call;
                pool.forRange(64, (start, end) -> {
                    for (int i = start; i < end; i++) {
                        marks[i] = stamp; // plain writes, some by the worker
                    }
                });
                // Everything the chunks wrote is visible to the caller once forRange returns.
                for (int i = 0; i < 64; i++) {
                    if (marks[i] != stamp) {
                        throw new AssertionError("call " + call + ": index " + i + " holds " + marks[i]);
                    }
                }
                items[0] += 64;
            }
            assertThat(items[0]).isEqualTo(200_000L * 64);
        }
    }

    @Test
    void aSlowThreadDoesNotGetAFixedShare() throws InterruptedException {
        // The first chunk to start blocks until the other chunks are all done: with one static part
        // per thread this would deadlock; with chunks taken on demand the other thread does the rest.
        try (Parallel pool = Parallel.create(2)) {
            int n = 2 * Parallel.CHUNKS_PER_THREAD;
            CountDownLatch others = new CountDownLatch(n - 1);
            java.util.concurrent.atomic.AtomicBoolean first = new java.util.concurrent.atomic.AtomicBoolean(true);
            pool.forRange(n, (start, end) -> {
                if (first.getAndSet(false)) {
                    try {
                        assertThat(others.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                } else {
                    for (int i = start; i < end; i++) {
                        others.countDown();
                    }
                }
            });
            assertThat(others.getCount()).isZero();
        }
    }

    @Test
    void workersThatParkedWakeUpForTheNextJob() throws InterruptedException {
        try (Parallel pool = Parallel.create(2)) {
            for (int round = 0; round < 5; round++) {
                Thread.sleep(3 * Parallel.SPIN_NANOS / 1_000_000 + 2); // well past the spin: the worker parks
                // Two chunks that each wait for the other: only returns if the worker woke up.
                CountDownLatch both = new CountDownLatch(2);
                pool.forRange(2, (start, end) -> {
                    both.countDown();
                    try {
                        assertThat(both.await(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
            }
        }
    }

    @Test
    void nestedAndConcurrentCallsRunInlineWithoutDeadlock() throws InterruptedException {
        try (Parallel pool = Parallel.create(2)) {
            AtomicLong total = new AtomicLong();
            AtomicLong outerChunks = new AtomicLong();
            pool.forRange(10, (start, end) -> {
                outerChunks.incrementAndGet();
                pool.forRange(10, (s, e) -> total.addAndGet(e - s)); // inline, whole range
            });
            assertThat(total.get()).isEqualTo(outerChunks.get() * 10);
            assertThat(outerChunks.get()).isGreaterThan(1);

            AtomicLong concurrent = new AtomicLong();
            Thread[] callers = new Thread[3];
            for (int c = 0; c < callers.length; c++) {
                callers[c] = new Thread(() -> {
                    for (int call = 0; call < 20_000; call++) {
                        pool.forRange(16, (s, e) -> concurrent.addAndGet(e - s));
                    }
                });
                callers[c].start();
            }
            for (Thread caller : callers) {
                caller.join();
            }
            assertThat(concurrent.get()).isEqualTo(3L * 20_000 * 16);
        }
    }

    @Test
    void closeStopsTheWorkersAndLaterCallsStillWork() throws InterruptedException {
        Parallel pool = Parallel.create(3);
        pool.forRange(10, (s, e) -> { });
        pool.close();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (pool.liveWorkers() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(pool.liveWorkers()).isZero();
        AtomicLong sum = new AtomicLong();
        pool.forRange(100, (s, e) -> sum.addAndGet(e - s));
        assertThat(sum.get()).isEqualTo(100);
    }

    @Test
    void poolsDefaultToPhysicalCoresAndNeedAThread() {
        assertThat(Parallel.defaultThreads()).isBetween(1, Runtime.getRuntime().availableProcessors());
        assertThatThrownBy(() -> Parallel.create(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
