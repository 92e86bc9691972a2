package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import jdk.incubator.vector.IntVector;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

class WeightMatrixKernelTest {
    private static Parallel pool;

    @BeforeAll
    static void startPool() {
        pool = Parallel.create(3); // more threads than cores on purpose: exercises the hand-off
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        for (GgmlType type : KernelCheck.TYPES) {
            for (int cols : KernelCheck.colsFor(type)) {
                for (int rows : KernelCheck.ROWS) {
                    shapes.add(Arguments.of(type, rows, cols));
                }
            }
        }
        return shapes.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void kernelsMatchScalarReference(GgmlType type, int rows, int cols) {
        for (int batch : KernelCheck.BATCHES) {
            long seed = 31L * (31L * type.ordinal() + rows) + cols + 1000L * batch;
            assertThat(KernelCheck.check(type, rows, cols, batch, seed, pool)).isEmpty();
        }
    }

    static Stream<GgmlType> types() {
        return Stream.of(KernelCheck.TYPES);
    }

    @ParameterizedTest
    @MethodSource("types")
    void largeMatrixMatchesReference(GgmlType type) {
        // Big enough for several L2 row blocks in matmulRows (odd-sized last block included),
        // and for several threads.
        assertThat(KernelCheck.check(type, KernelCheck.LARGE_ROWS, KernelCheck.largeCols(type), 9, 7, pool)).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(names = {"F32", "F16", "BF16", "Q8_0", "Q4_0"})
    void dequantizedWeightsAreCloseToTheOriginals(GgmlType type) {
        // Ties the block layout of dequantizeRow (the kernels' reference) to what Quantizer wrote.
        Random random = new Random(3);
        int rows = 3, cols = 96;
        float[] weights = KernelCheck.randomFloats(random, rows * cols);
        WeightMatrix m = KernelCheck.matrix(type, weights, rows, cols);
        float[] row = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, row, 0);
            for (int i = 0; i < cols; i++) {
                float w = weights[r * cols + i];
                double allowed = switch (type) {
                    case F32 -> 0;
                    case F16 -> Math.abs(w) * 0x1p-11;
                    case BF16 -> Math.abs(w) * 0x1p-8;
                    default -> blockMax(weights, r * cols + i) * (type == GgmlType.Q8_0 ? 1.1 / 127 : 1.1 / 8);
                };
                assertThat((double) Math.abs(row[i] - w)).as("%s row %d col %d", type, r, i).isLessThanOrEqualTo(allowed);
            }
        }
    }

    private static double blockMax(float[] values, int index) {
        int start = index / 32 * 32;
        double max = 0;
        for (int i = start; i < start + 32; i++) {
            max = Math.max(max, Math.abs(values[i]));
        }
        return max;
    }

    @Test
    void halfToFloatsDecodesEveryHalfExactly() {
        // All 65536 half bit patterns, including subnormals, infinities and NaNs.
        int lanes = Vectors.LANES;
        int[] bits = new int[lanes];
        float[] decoded = new float[lanes];
        for (int h = 0; h < 65536; h += lanes) {
            for (int l = 0; l < lanes; l++) {
                bits[l] = (short) (h + l); // sign-extended, as loadShortsAsInts produces
            }
            Vectors.halfToFloats(IntVector.fromArray(Vectors.I, bits, 0)).intoArray(decoded, 0);
            for (int l = 0; l < lanes; l++) {
                float expected = Float.float16ToFloat((short) (h + l));
                if (Float.isNaN(expected)) {
                    // NaN payloads do not matter for weights (float16ToFloat also sets the quiet bit).
                    assertThat(decoded[l]).as("half 0x%04x", h + l).isNaN();
                    continue;
                }
                assertThat(Float.floatToRawIntBits(decoded[l]))
                        .as("half 0x%04x", h + l)
                        .isEqualTo(Float.floatToRawIntBits(expected));
            }
        }
    }

    @Test
    void f16InfinityInWeightsGivesInfinity() {
        int cols = 64;
        MemorySegment segment = Arena.ofAuto().allocate(2L * cols);
        ValueLayout.OfShort i16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < cols; i++) {
            segment.set(i16, 2L * i, Float.floatToFloat16(1f));
        }
        segment.set(i16, 2L * 40, (short) 0x7c00); // +infinity
        WeightMatrix m = WeightMatrix.of(GgmlType.F16, segment, 1, cols);
        float[] x = new float[cols];
        java.util.Arrays.fill(x, 0.5f);
        assertThat(m.dot(0, x, 0)).isEqualTo(Float.POSITIVE_INFINITY);
    }

    @Test
    void knownQ8_0AndQ4_0BlocksGiveKnownDots() {
        // A Q8_0 block with d = 0.5 (f16 0x3800) and q = 0, 1, ..., 31 against x = 1: 0.5 * 496.
        MemorySegment q8 = Arena.ofAuto().allocate(34);
        q8.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, (short) 0x3800);
        for (int i = 0; i < 32; i++) {
            q8.set(ValueLayout.JAVA_BYTE, 2 + i, (byte) i);
        }
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        assertThat(WeightMatrix.of(GgmlType.Q8_0, q8, 1, 32).dot(0, ones, 0)).isEqualTo(248f);

        // A Q4_0 block with d = 2 (f16 0x4000), low nibbles 15 and high nibbles 0: elements 0..15 are
        // 2*(15-8) = 14 and 16..31 are 2*(0-8) = -16. x = 1 for element 0 and 3 for element 16.
        MemorySegment q4 = Arena.ofAuto().allocate(18);
        q4.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0, (short) 0x4000);
        for (int j = 0; j < 16; j++) {
            q4.set(ValueLayout.JAVA_BYTE, 2 + j, (byte) 0x0f);
        }
        float[] x = new float[32];
        x[0] = 1;
        x[16] = 3;
        assertThat(WeightMatrix.of(GgmlType.Q4_0, q4, 1, 32).dot(0, x, 0)).isEqualTo(14f - 48f);
    }

    @Test
    void matmulRejectsTooSmallArrays() {
        WeightMatrix m = KernelCheck.matrix(GgmlType.F32, new float[4 * 8], 4, 8);
        assertThatThrownBy(() -> m.matmulRows(new float[8], 2, new float[8], 0, 4))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> m.matmulRows(new float[16], 2, new float[7], 0, 4))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
