package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * quantizeBlock then dequantizeRow for the sub-block types: what a type writes reads back close to
 * the original, blocks of very different magnitudes and the degenerate blocks included. The bounds
 * are each encoding's own (the error of its coarsest level), so a field written to the wrong place
 * fails them by far.
 */
class SubBlockRoundTripTest {

    private static float[] roundTrip(GgmlType type, float[] values) {
        MemorySegment segment = Arena.ofAuto().allocate(type.bytesFor(values.length));
        Quantizer.quantize(type, values, 0, values.length, segment, 0);
        float[] back = new float[values.length];
        WeightMatrix.of(type, segment, 1, values.length).dequantizeRow(0, back, 0);
        return back;
    }

    /** Gaussian blocks, each block scaled by a random power of ten from 1e-4 to 1e3. */
    private static float[] blocksOfManyMagnitudes(GgmlType type, Random random, int blocks) {
        float[] values = new float[blocks * type.blockSize()];
        for (int b = 0; b < blocks; b++) {
            double magnitude = Math.pow(10, random.nextInt(8) - 4);
            for (int i = 0; i < type.blockSize(); i++) {
                values[b * type.blockSize() + i] = (float) (random.nextGaussian() * magnitude);
            }
        }
        return values;
    }

    /** Largest relative RMS error of a block of Gaussian values: about 1.3x what the encodings measured. */
    private static double rmsBound(GgmlType type) {
        return switch (type) {
            case Q2_K -> 0.45; // 4 levels spread over the group's range (measured 0.32 to 0.38)
            case Q3_K -> 0.22; // 8 levels (0.14 to 0.18)
            case IQ4_XS, Q4_1 -> 0.13; // 16 levels (0.07 to 0.10)
            case Q5_0 -> 0.07; // 32 levels (0.03 to 0.055)
            default -> throw new IllegalArgumentException(type.name());
        };
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "IQ4_XS", "Q4_1", "Q5_0"})
    void roundTripErrorIsThatOfTheEncoding(GgmlType type) {
        Random random = new Random(5);
        int n = type.blockSize(), blocks = 40;
        float[] values = blocksOfManyMagnitudes(type, random, blocks);
        float[] back = roundTrip(type, values);
        for (int b = 0; b < blocks; b++) {
            double error = 0, norm = 0;
            for (int i = b * n; i < (b + 1) * n; i++) {
                error += (back[i] - values[i]) * (double) (back[i] - values[i]);
                norm += values[i] * (double) values[i];
            }
            assertThat(Math.sqrt(error / norm)).as("%s block %d relative RMS error", type, b).isLessThan(rmsBound(type));
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q4_1", "Q5_0"})
    void everyWeightIsWithinOneStepOfItsValue(GgmlType type) {
        // Q4_1: levels min + d*q over the block's range, so half a step d = range/15 at most.
        // Q5_0: levels d*q, q = -16..15, with d = -(value of largest magnitude)/16: the far end of
        // the range the other sign lacks one level, so a whole step there.
        Random random = new Random(9);
        float[] values = blocksOfManyMagnitudes(type, random, 40);
        float[] back = roundTrip(type, values);
        for (int b = 0; b < 40; b++) {
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                min = Math.min(min, values[i]);
                max = Math.max(max, values[i]);
            }
            double amax = Math.max(Math.abs(min), Math.abs(max));
            double step = type == GgmlType.Q4_1 ? 0.5 * (max - min) / 15 : amax / 16;
            // f16 rounding of the stored d (and m) moves the levels by a few parts in 2^11.
            double allowed = step * 1.01 + amax * 0x1p-10;
            for (int i = 32 * b; i < 32 * b + 32; i++) {
                assertThat((double) Math.abs(back[i] - values[i])).as("%s element %d", type, i).isLessThanOrEqualTo(allowed);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(names = {"Q2_K", "Q3_K", "IQ4_XS", "Q4_1", "Q5_0"})
    void degenerateBlocksReadBack(GgmlType type) {
        int n = type.blockSize();
        for (float w : roundTrip(type, new float[n])) {
            assertThat(w == 0).as("%s zero block reads back %s", type, w).isTrue(); // -0 is a zero too
        }

        float[] constant = new float[n];
        Arrays.fill(constant, -3.25f);
        for (float w : roundTrip(type, constant)) {
            assertThat((double) w).isCloseTo(-3.25, org.assertj.core.data.Offset.offset(3.25 * 0.02));
        }

        // One large value among zeros: it keeps its size, the zeros stay near zero.
        float[] spike = new float[n];
        spike[n / 2 + 3] = 1000f;
        float[] back = roundTrip(type, spike);
        assertThat((double) back[n / 2 + 3]).isCloseTo(1000, org.assertj.core.data.Offset.offset(1000 * 0.02));
        for (int i = 0; i < n; i++) {
            if (i != n / 2 + 3) {
                assertThat((double) Math.abs(back[i])).as("%s element %d", type, i).isLessThan(1000 * 0.1);
            }
        }
    }
}
