package io.streamllm.jmh;

import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Quantizer;
import io.streamllm.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Prefill routes in integers against streamllm's float panel GEMM, on one thread: a Q4_0 matrix of
 * 256 x 2048 times 128 inputs. The integer routes take the inputs quantized to int8 per 32-block (Q8_0's
 * rounding, as llama.cpp's vec_dot_type does), once per matmul: at setup here, its cost measured apart
 * by {@link #quantizeInputsOnly} (a real matmul of 2048+ rows shares it over 8x more rows). They use the
 * weights as 16-bit integers with one scale per block (decoded once at setup, which favours them too).
 * Every route returns the same 128 x 2048 results (the integer ones with the inputs' rounding error).
 * An experiment for jmh/README.md "What was tried"; streamllm does not use the integer routes.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xmx4g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
public class PrefillInt8Benchmark {
    /** Few enough rows that a call takes milliseconds: longer calls ran in C1 or OSR code for whole iterations. */
    static final int ROWS = 256;
    static final int COLS = 2048;
    static final int BATCH = 128;
    private static final int BLOCK = 32;
    private static final int BLOCKS = COLS / BLOCK;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = F.withLanes(int.class);
    /** Shorts of the same bit size as F: twice the lanes. */
    private static final VectorSpecies<Short> S = F.withLanes(short.class);

    private WeightMatrix matrix;
    /** The weights' 4-bit levels (-8..7) as shorts, and each block's scale. */
    private final short[] wq = new short[ROWS * COLS];
    private final float[] wd = new float[ROWS * BLOCKS];
    private final float[] x = new float[BATCH * COLS];
    private final short[] xq = new short[BATCH * COLS];
    private final float[] xd = new float[BATCH * BLOCKS];
    private final int[] pairs = new int[COLS / 2];
    private final float[] out = new float[BATCH * ROWS];

    @Setup(Level.Trial)
    public void setUp() {
        Random random = new Random(9);
        float[] w = new float[ROWS * COLS];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) random.nextGaussian() * 0.02f;
        }
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian();
        }
        quantizeInputs();
        MemorySegment segment = Arena.ofAuto().allocate(GgmlType.Q4_0.bytesFor((long) ROWS * COLS));
        Quantizer.quantize(GgmlType.Q4_0, w, 0, w.length, segment, 0);
        matrix = WeightMatrix.of(GgmlType.Q4_0, segment, ROWS, COLS);
        // Levels and scales back from the dequantized rows: w = d * level, level in -8..7.
        float[] row = new float[COLS];
        for (int r = 0; r < ROWS; r++) {
            matrix.dequantizeRow(r, row, 0);
            for (int b = 0; b < BLOCKS; b++) {
                float amax = 0;
                for (int i = 0; i < BLOCK; i++) {
                    amax = Math.max(amax, Math.abs(row[b * BLOCK + i]));
                }
                float d = amax / 8;
                wd[r * BLOCKS + b] = d;
                for (int i = 0; i < BLOCK; i++) {
                    wq[r * COLS + b * BLOCK + i] = (short) (d == 0 ? 0 : Math.round(row[b * BLOCK + i] / d));
                }
            }
        }
    }

    /** The inputs to int8 per 32-block, kept as shorts. */
    private void quantizeInputs() {
        for (int blk = 0; blk < BATCH * BLOCKS; blk++) {
            float amax = 0;
            for (int i = 0; i < BLOCK; i++) {
                amax = Math.max(amax, Math.abs(x[blk * BLOCK + i]));
            }
            float d = amax / 127;
            float id = d != 0 ? 1 / d : 0;
            xd[blk] = d;
            for (int i = 0; i < BLOCK; i++) {
                xq[blk * BLOCK + i] = (short) Math.round(x[blk * BLOCK + i] * id);
            }
        }
    }

    /** The int8 quantization of the 128 inputs, which the integer routes need once per matmul. */
    @Benchmark
    public short[] quantizeInputsOnly() {
        quantizeInputs();
        return xq;
    }

    /** streamllm: PanelGemm (panel decoded to floats, 6 rows x 2 vectors of inputs, float FMA). */
    @Benchmark
    public float[] floatPanelGemm() {
        matrix.matmulRows(x, BATCH, out, 0, ROWS);
        return out;
    }

    /**
     * C2's MulAddVS2VI: the plain loop {@code pairs[i] = w[2i]*x[2i] + w[2i+1]*x[2i+1]} over a row and an
     * input compiles to vpmaddwd; a second pass sums each block's 16 pair sums and scales them in float.
     */
    @Benchmark
    public float[] int16MulAddVS2VI() {
        for (int r = 0; r < ROWS; r++) {
            for (int t = 0; t < BATCH; t++) {
                pairSums(wq, r * COLS, xq, t * COLS, pairs);
                FloatVector acc = FloatVector.zero(F);
                for (int b = 0; b < BLOCKS; b++) {
                    IntVector s = IntVector.fromArray(I, pairs, b * BLOCK / 2);
                    for (int j = I.length(); j < BLOCK / 2; j += I.length()) {
                        s = s.add(IntVector.fromArray(I, pairs, b * BLOCK / 2 + j));
                    }
                    FloatVector f = (FloatVector) s.convert(VectorOperators.I2F, 0);
                    acc = f.fma(FloatVector.broadcast(F, wd[r * BLOCKS + b] * xd[t * BLOCKS + b]), acc);
                }
                out[t * ROWS + r] = acc.reduceLanes(VectorOperators.ADD);
            }
        }
        return out;
    }

    /** The loop shape C2 matches to MulAddVS2VI (vpmaddwd). */
    private static void pairSums(short[] a, int aOffset, short[] b, int bOffset, int[] out) {
        for (int i = 0; i < out.length; i++) {
            out[i] = a[aOffset + 2 * i] * b[bOffset + 2 * i] + a[aOffset + 2 * i + 1] * b[bOffset + 2 * i + 1];
        }
    }

    /**
     * Vector API in 16-bit lanes, 1 row x 4 inputs: a Q4_0 level times an int8 input is at most 1016,
     * so a whole block's products add up in 16 bits (32 x 1016 < 32767), twice the lanes of float;
     * per block each sum's lane pairs are added into ints, converted and scaled.
     */
    @Benchmark
    public float[] int16VectorApi() {
        for (int r = 0; r < ROWS; r++) {
            for (int t = 0; t < BATCH; t += 4) {
                int w = r * COLS, x0 = t * COLS, x1 = x0 + COLS, x2 = x1 + COLS, x3 = x2 + COLS;
                FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
                for (int b = 0; b < BLOCKS; b++) {
                    ShortVector s0 = ShortVector.zero(S), s1 = s0, s2 = s0, s3 = s0;
                    for (int j = 0; j < BLOCK; j += S.length()) {
                        int e = b * BLOCK + j;
                        ShortVector wv = ShortVector.fromArray(S, wq, w + e);
                        s0 = s0.add(wv.mul(ShortVector.fromArray(S, xq, x0 + e)));
                        s1 = s1.add(wv.mul(ShortVector.fromArray(S, xq, x1 + e)));
                        s2 = s2.add(wv.mul(ShortVector.fromArray(S, xq, x2 + e)));
                        s3 = s3.add(wv.mul(ShortVector.fromArray(S, xq, x3 + e)));
                    }
                    float d = wd[r * BLOCKS + b];
                    a0 = widenScaled(s0, d * xd[t * BLOCKS + b], a0);
                    a1 = widenScaled(s1, d * xd[(t + 1) * BLOCKS + b], a1);
                    a2 = widenScaled(s2, d * xd[(t + 2) * BLOCKS + b], a2);
                    a3 = widenScaled(s3, d * xd[(t + 3) * BLOCKS + b], a3);
                }
                out[t * ROWS + r] = a0.reduceLanes(VectorOperators.ADD);
                out[(t + 1) * ROWS + r] = a1.reduceLanes(VectorOperators.ADD);
                out[(t + 2) * ROWS + r] = a2.reduceLanes(VectorOperators.ADD);
                out[(t + 3) * ROWS + r] = a3.reduceLanes(VectorOperators.ADD);
            }
        }
        return out;
    }

    /**
     * acc + scale * (the 16-bit lanes of s added in pairs, as floats). The pairs are added in 32-bit lanes
     * after a reinterpret: the low half sign-extended by a shift pair, plus the high half shifted down.
     * (Widening with convertShape(S2I, part 0 and 1) hit an uncommon trap in C2 and ran boxed, 0.5 GFLOP/s.)
     */
    private static FloatVector widenScaled(ShortVector s, float scale, FloatVector acc) {
        IntVector v = s.reinterpretAsInts();
        IntVector wide = v.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                .add(v.lanewise(VectorOperators.ASHR, 16));
        return ((FloatVector) wide.convert(VectorOperators.I2F, 0)).fma(FloatVector.broadcast(F, scale), acc);
    }
}
