package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The K-quants (and for the kernels also the sub-block types of {@link Group16}): kernels against the
 * scalar twin on blocks of random bytes with extreme f16 scales ({@link KernelCheck#checkRandomBlocks},
 * also run at 256 and 128 bits by {@link NarrowVectorKernelTest}), and the K-quant quantizers' round trip: every value read back within half a step of the super-block's widest sub-block.
 */
class KQuantsTest {
    private static Parallel pool;

    @BeforeAll
    static void startPool() {
        pool = Parallel.create(3);
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q5_K", "Q6_K", "Q2_K", "Q3_K", "IQ4_XS", "Q4_1", "Q5_0"})
    void kernelsMatchScalarTwinOnRandomBlocks(GgmlType type) {
        for (int rows : new int[] {1, 2, 5, 9}) {
            for (int blocks : new int[] {1, 2, 7}) {
                for (int batch : new int[] {1, 4, 9}) {
                    long seed = 1000L * rows + 10L * blocks + batch;
                    assertThat(KernelCheck.checkRandomBlocks(type, rows, blocks * 256, batch, seed, pool)).isEmpty();
                }
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_K", "Q5_K", "Q6_K"})
    void quantizedValuesReadBackWithinAStep(GgmlType type) {
        Random random = new Random(5);
        int blocks = 8;
        float[] values = new float[blocks * 256];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        // Special blocks: all zero; constant positive; all negative; one huge sub-block among tiny ones; large magnitudes.
        Arrays.fill(values, 256, 512, 0f);
        Arrays.fill(values, 512, 768, 3.5f);
        for (int i = 768; i < 1024; i++) {
            values[i] = -1 - random.nextFloat();
        }
        for (int i = 1024; i < 1280; i++) {
            values[i] = (float) (random.nextGaussian() * (i < 1056 ? 1000 : 1e-3));
        }
        for (int i = 1280; i < 1536; i++) {
            values[i] = (float) (random.nextGaussian() * 1e4);
        }
        WeightMatrix m = KernelCheck.matrix(type, values, 1, values.length);
        float[] back = new float[values.length];
        m.dequantizeRow(0, back, 0);
        for (int b = 0; b < blocks; b++) {
            float min = 0, max = 0;
            for (int i = 256 * b; i < 256 * (b + 1); i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            // Steps across a sub-block's range: 15 (4 bits), 31 (5 bits), 63 (6 bits, symmetric).
            int steps = switch (type) {
                case Q4_K -> 15;
                case Q5_K -> 31;
                default -> 62;
            };
            double range = type == GgmlType.Q6_K ? 2 * Math.max(max, -min) : max - min;
            double allowed = range / steps * 0.5 * 1.05 + 1e-30;
            for (int i = 256 * b; i < 256 * (b + 1); i++) {
                assertThat((double) Math.abs(back[i] - values[i])).as("%s block %d value %d (%s)", type, b, i, values[i])
                        .isLessThanOrEqualTo(allowed);
            }
        }
    }
}
