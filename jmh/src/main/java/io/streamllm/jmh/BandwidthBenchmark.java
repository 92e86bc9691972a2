package io.streamllm.jmh;

import io.streamllm.tensor.Parallel;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The machine's read bandwidth from DRAM as a Java program sees it: a vector sum over a 512 MB
 * segment, split over the pool like a matvec. The ceiling for decode (batch 1) GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class BandwidthBenchmark {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final long BYTES = 512L << 20;

    @Param({"1", "2"})
    public int threads;

    private MemorySegment data;
    private Parallel pool;
    private final float[] partial = new float[64];

    @Setup(Level.Trial)
    public void setUp() {
        data = Arena.ofAuto().allocate(BYTES, 64);
        data.fill((byte) 1);
        pool = Parallel.create(threads);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    @Benchmark
    public float readAll() {
        int chunks = (int) (BYTES >> 16); // 64 KB pieces
        pool.forRange(chunks, (start, end) -> {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            long step = F.vectorByteSize();
            for (long off = (long) start << 16, stop = (long) end << 16; off < stop; off += 4 * step) {
                a0 = a0.add(FloatVector.fromMemorySegment(F, data, off, ByteOrder.LITTLE_ENDIAN));
                a1 = a1.add(FloatVector.fromMemorySegment(F, data, off + step, ByteOrder.LITTLE_ENDIAN));
                a2 = a2.add(FloatVector.fromMemorySegment(F, data, off + 2 * step, ByteOrder.LITTLE_ENDIAN));
                a3 = a3.add(FloatVector.fromMemorySegment(F, data, off + 3 * step, ByteOrder.LITTLE_ENDIAN));
            }
            partial[start == 0 ? 0 : 1] = a0.add(a1).add(a2.add(a3)).reduceLanes(VectorOperators.ADD);
        });
        return partial[0] + partial[1];
    }
}
