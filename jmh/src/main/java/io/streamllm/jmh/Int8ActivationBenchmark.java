package io.streamllm.jmh;

import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.Quantizer;
import io.streamllm.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The road not taken for Q8_0 matvec: quantize the activations to int8 once (as llama.cpp does)
 * and multiply-add in integers, against streamllm's kernel (widen the weights to float, FMA).
 * The Vector API has no int8 or int16 dot-product instruction (no vpmaddwd / vpdpbusd), so the
 * integer path widens to 16 bits, multiplies, and adds lane pairs with shifts before it can scale
 * by the block's two scales in float. One thread, 2048 x 2048, weights in L3.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class Int8ActivationBenchmark {
    private static final int ROWS = 2048;
    private static final int COLS = 2048;
    private static final int BLOCKS = COLS / 32;
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final VectorSpecies<Byte> B256 = ByteVector.SPECIES_256;
    private static final VectorSpecies<Short> S512 = ShortVector.SPECIES_512;
    private static final VectorSpecies<Float> F512 = FloatVector.SPECIES_512;

    private MemorySegment weights;
    private WeightMatrix matrix;
    private Parallel pool;
    private final float[] x = new float[COLS];
    private final float[] out = new float[ROWS];
    private final short[] xq = new short[COLS];
    private final float[] xd = new float[BLOCKS];

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(5);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.02f;
        }
        for (int i = 0; i < COLS; i++) {
            x[i] = (float) random.nextGaussian();
        }
        weights = Arena.ofAuto().allocate(GgmlType.Q8_0.bytesFor((long) ROWS * COLS), 64);
        Quantizer.quantize(GgmlType.Q8_0, w, 0, w.length, weights, 0);
        matrix = WeightMatrix.of(GgmlType.Q8_0, weights, ROWS, COLS);
        pool = Parallel.create(1);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }

    /** streamllm's kernel: weights widened to float in registers, float FMA. */
    @Benchmark
    public float[] floatFma() {
        matrix.matmul(x, out, pool);
        return out;
    }

    /** x to int8 per 32-block (Q8_0's own rounding), kept widened to shorts for the kernel. */
    private void quantizeActivations() {
        for (int b = 0; b < BLOCKS; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(x[32 * b + i]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            xd[b] = d;
            for (int i = 0; i < 32; i++) {
                xq[32 * b + i] = (short) Math.round(x[32 * b + i] * id);
            }
        }
    }

    /** int8 x int8 in 16-bit lanes, lane pairs summed to 32 bits with shifts, then scaled in float. */
    @Benchmark
    public float[] int8WidenedMultiply() {
        quantizeActivations();
        for (int r = 0; r < ROWS; r++) {
            long block = (long) r * BLOCKS * 34;
            // Two blocks per iteration into two accumulators, as the float kernel does.
            FloatVector acc0 = FloatVector.zero(F512);
            FloatVector acc1 = acc0;
            for (int b = 0; b < BLOCKS; b += 2, block += 68) {
                acc0 = int8Block(block, b, acc0);
                acc1 = int8Block(block + 34, b + 1, acc1);
            }
            out[r] = acc0.add(acc1).reduceLanes(VectorOperators.ADD);
        }
        return out;
    }

    private FloatVector int8Block(long block, int b, FloatVector acc) {
        ShortVector w = (ShortVector) ByteVector.fromMemorySegment(B256, weights, block + 2, ByteOrder.LITTLE_ENDIAN)
                .convertShape(VectorOperators.B2S, S512, 0);
        ShortVector q = ShortVector.fromArray(S512, xq, 32 * b);
        IntVector products = w.mul(q).reinterpretAsInts(); // |w*q| <= 127*127 fits 16 bits
        IntVector pairs = products.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(products.lanewise(VectorOperators.ASHR, 16));
        float scale = Float.float16ToFloat(weights.get(I16_LE, block)) * xd[b];
        return ((FloatVector) pairs.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F512, scale), acc);
    }

    /** The same in plain Java, left to C2's auto-vectorizer (which has int16 multiply-add patterns). */
    @Benchmark
    public float[] int8ScalarAutoVectorized() {
        quantizeActivations();
        for (int r = 0; r < ROWS; r++) {
            long block = (long) r * BLOCKS * 34;
            float sum = 0;
            for (int b = 0; b < BLOCKS; b++, block += 34) {
                int isum = 0;
                for (int i = 0; i < 32; i++) {
                    isum += weights.get(ValueLayout.JAVA_BYTE, block + 2 + i) * xq[32 * b + i];
                }
                sum += Float.float16ToFloat(weights.get(I16_LE, block)) * xd[b] * isum;
            }
            out[r] = sum;
        }
        return out;
    }
}
