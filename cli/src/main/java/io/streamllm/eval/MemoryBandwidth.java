package io.streamllm.eval;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The machine's read bandwidth from DRAM as a Java program with a given number of threads sees it: vector
 * loads over a buffer far larger than the last-level cache, its 64 KiB pieces taken by the threads as they
 * come free, the way a model's pool splits a weight matrix (jmh's BandwidthBenchmark, as one short
 * measurement). This is the ceiling for decode, which reads every weight once per token.
 */
public final class MemoryBandwidth {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Each task reads 64 KiB pieces, so a job has enough pieces to balance the threads. */
    private static final int PIECE_SHIFT = 16;
    private static final long MIN_BYTES = 512L << 20;
    private static final long MAX_BYTES = 2L << 30;

    /** The sums, written so that the JIT cannot drop the loads. */
    private static final float[] SINK = new float[64];

    /** Reads pieces {@code start} to {@code end} (exclusive) of {@code data}. */
    private static void read(MemorySegment data, int start, int end) {
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        long step = F.vectorByteSize();
        for (long off = (long) start << PIECE_SHIFT, stop = (long) end << PIECE_SHIFT; off < stop; off += 4 * step) {
            a0 = a0.add(FloatVector.fromMemorySegment(F, data, off, ByteOrder.LITTLE_ENDIAN));
            a1 = a1.add(FloatVector.fromMemorySegment(F, data, off + step, ByteOrder.LITTLE_ENDIAN));
            a2 = a2.add(FloatVector.fromMemorySegment(F, data, off + 2 * step, ByteOrder.LITTLE_ENDIAN));
            a3 = a3.add(FloatVector.fromMemorySegment(F, data, off + 3 * step, ByteOrder.LITTLE_ENDIAN));
        }
        SINK[start & 63] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
    }

    private MemoryBandwidth() {
    }

    /** A buffer size well past the last-level cache: 4x L3, at least 512 MiB, at most 2 GiB. */
    public static long defaultBufferBytes() {
        return Math.clamp(4 * lastLevelCacheBytes(), MIN_BYTES, MAX_BYTES);
    }

    /**
     * Reads a fresh buffer of {@code bytes} (rounded to 64 KiB) once on {@code threads} threads to fault its
     * pages in, then {@code passes} times; returns the best pass in bytes per second (the limit the machine allows).
     */
    public static double measure(int threads, long bytes, int passes) {
        if (threads < 1 || passes < 1 || bytes < 1L << PIECE_SHIFT) {
            throw new IllegalArgumentException("threads = " + threads + ", passes = " + passes + ", bytes = " + bytes);
        }
        int pieces = Math.toIntExact(bytes >> PIECE_SHIFT);
        long size = (long) pieces << PIECE_SHIFT;
        // The calling thread reads too, as a model's pool does: threads - 1 helpers.
        ExecutorService helpers = Executors.newFixedThreadPool(Math.max(1, threads - 1));
        try (Arena arena = Arena.ofShared()) {
            MemorySegment data = arena.allocate(size, 64);
            data.fill((byte) 1);
            readAll(data, pieces, threads, helpers);
            double best = 0;
            for (int p = 0; p < passes; p++) {
                long start = System.nanoTime();
                readAll(data, pieces, threads, helpers);
                best = Math.max(best, size / ((System.nanoTime() - start) / 1e9));
            }
            return best;
        } finally {
            helpers.shutdownNow();
        }
    }

    /** One pass over every piece, the pieces handed out one at a time to whichever thread is free. */
    private static void readAll(MemorySegment data, int pieces, int threads, ExecutorService helpers) {
        AtomicInteger next = new AtomicInteger();
        Runnable reader = () -> {
            for (int piece; (piece = next.getAndIncrement()) < pieces; ) {
                read(data, piece, piece + 1);
            }
        };
        List<Future<?>> running = new ArrayList<>();
        for (int t = 1; t < threads; t++) {
            running.add(helpers.submit(reader));
        }
        reader.run();
        try {
            for (Future<?> helper : running) {
                helper.get();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while measuring the memory bandwidth", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("measuring the memory bandwidth failed", e.getCause());
        }
    }

    /** The largest cache cpu0 reports (Linux sysfs); 32 MiB if unknown. */
    static long lastLevelCacheBytes() {
        long largest = 0;
        for (int index = 0; index < 8; index++) {
            Path file = Path.of("/sys/devices/system/cpu/cpu0/cache/index" + index + "/size");
            try {
                largest = Math.max(largest, parseCacheSize(Files.readString(file).trim()));
            } catch (IOException | RuntimeException e) {
                break;
            }
        }
        return largest > 0 ? largest : 32L << 20;
    }

    /** "32768K", "36M" or "512" (bytes), as sysfs writes cache sizes. */
    static long parseCacheSize(String text) {
        char unit = Character.toUpperCase(text.charAt(text.length() - 1));
        long scale = unit == 'K' ? 1L << 10 : unit == 'M' ? 1L << 20 : unit == 'G' ? 1L << 30 : 1;
        String digits = scale == 1 ? text : text.substring(0, text.length() - 1);
        return Long.parseLong(digits) * scale;
    }
}
