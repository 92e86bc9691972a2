package io.streamllm.jmh;

import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.Quantizer;
import io.streamllm.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
 * Matrix-vector (decode, batch 1) and batched matmul (prefill, batch 128 and 512) for each weight type.
 * {@link Report} turns the times into GB/s of weights and GFLOP/s.
 *
 * <p>With {@code coldCache} each call uses the next of enough copies of the matrix (256 MB in all)
 * that the weights come from DRAM, not from the L3 cache (32 MB here) that holds a single matrix.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx8g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class MatmulBenchmark {
    @Param({"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    public String type;

    /** rows x cols. */
    @Param({"2048x2048", "8192x2048"})
    public String shape;

    @Param({"1", "2"})
    public int threads;

    /** Cycle through copies of the matrix so that the weights come from DRAM. */
    @Param({"false"})
    public boolean coldCache;

    /** Copies of the matrix used in turn. */
    int copies;

    private WeightMatrix[] matrices;
    private int next;
    private Parallel pool;
    private float[] x1;
    private float[] out1;
    private float[] x128;
    private float[] out128;
    private float[] x512;
    private float[] out512;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        int rows = Integer.parseInt(dims[0]);
        int cols = Integer.parseInt(dims[1]);
        GgmlType ggmlType = GgmlType.valueOf(type);
        Random random = new Random(42);
        float[] weights = new float[rows * cols];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.02f;
        }
        long bytes = ggmlType.bytesFor((long) rows * cols);
        copies = coldCache ? (int) Math.max(1, ((256L << 20) + bytes - 1) / bytes) : 1;
        matrices = new WeightMatrix[copies];
        Arena arena = Arena.ofAuto();
        for (int c = 0; c < copies; c++) {
            MemorySegment segment = arena.allocate(bytes, 64);
            if (c == 0) {
                Quantizer.quantize(ggmlType, weights, 0, weights.length, segment, 0);
            } else {
                segment.copyFrom(matrices[0].data());
            }
            matrices[c] = WeightMatrix.of(ggmlType, segment, rows, cols);
        }
        x1 = randomInputs(random, cols);
        out1 = new float[rows];
        x128 = randomInputs(random, 128 * cols);
        out128 = new float[128 * rows];
        x512 = randomInputs(random, 512 * cols);
        out512 = new float[512 * rows];
        pool = Parallel.create(threads);
    }

    private static float[] randomInputs(Random random, int count) {
        float[] x = new float[count];
        for (int i = 0; i < count; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    private WeightMatrix nextMatrix() {
        WeightMatrix m = matrices[next];
        next = next + 1 == matrices.length ? 0 : next + 1;
        return m;
    }

    /** Decode: one input, memory-bound. */
    @Benchmark
    public float[] matvec() {
        nextMatrix().matmul(x1, 1, out1, pool);
        return out1;
    }

    /** Prefill: 128 inputs, compute-bound. */
    @Benchmark
    public float[] batch128() {
        nextMatrix().matmul(x128, 128, out128, pool);
        return out128;
    }

    /** Prefill of a llama-bench pp512 chunk: 512 inputs. */
    @Benchmark
    public float[] batch512() {
        nextMatrix().matmul(x512, 512, out512, pool);
        return out512;
    }
}
