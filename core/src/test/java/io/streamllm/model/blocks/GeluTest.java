package io.streamllm.model.blocks;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

class GeluTest {

    /** The tanh approximation in double precision. */
    private static double gelu(double x) {
        return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
    }

    @Test
    void exactFollowsTheFormulaToFloatPrecision() {
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) random.nextDouble(-12, 12);
            double expected = gelu(x);
            assertThat((double) Gelu.EXACT.apply(x)).as("gelu(%s)", x).isCloseTo(expected,
                    org.assertj.core.data.Offset.offset(4e-7 * Math.max(1, Math.abs(expected))));
        }
    }

    @Test
    void tableRoundsTheInputAndTheOutputToFp16() {
        SplittableRandom random = new SplittableRandom(2);
        for (int i = 0; i < 100_000; i++) {
            float x = (float) random.nextDouble(-9.99, 9.99);
            double input = Float.float16ToFloat(Float.floatToFloat16(x));
            double expected = gelu(input);
            float actual = Gelu.GGML_FP16_TABLE.apply(x);
            // The table entry is fp16: within half an fp16 step of ggml's float32 formula, whose 1 + tanh cancels
            // for negative inputs (an absolute error of up to |x|/2 * 2^-23 before the rounding).
            short bits = Float.floatToFloat16((float) Math.abs(expected));
            double halfStep = (Float.float16ToFloat((short) (bits + 1)) - Float.float16ToFloat(bits)) / 2;
            assertThat(Math.abs(actual - expected)).as("table gelu(%s)", x).isLessThanOrEqualTo(halfStep + Math.abs(input) * 0x1p-23);
            assertThat(Float.float16ToFloat(Float.floatToFloat16(actual))).as("an fp16 value").isEqualTo(actual);
        }
    }

    @Test
    void tableInputRoundsToNearestEven() {
        // 1 + 2^-11 lies halfway between the fp16 values 1 and 1 + 2^-10: it rounds to 1 (even mantissa).
        float halfway = 1f + (float) Math.pow(2, -11);
        assertThat(Gelu.GGML_FP16_TABLE.apply(halfway)).isEqualTo(Gelu.GGML_FP16_TABLE.apply(1f));
        float aboveHalfway = Math.nextUp(halfway);
        assertThat(Gelu.GGML_FP16_TABLE.apply(aboveHalfway)).isEqualTo(Gelu.GGML_FP16_TABLE.apply(1f + (float) Math.pow(2, -10)));
        assertThat(Gelu.GGML_FP16_TABLE.apply(1f)).isNotEqualTo(Gelu.GGML_FP16_TABLE.apply(1f + (float) Math.pow(2, -10)));
    }

    @Test
    void tableIsBypassedOutsideMinusTenToTen() {
        assertThat(Gelu.GGML_FP16_TABLE.apply(-10f)).isEqualTo(0f);
        assertThat(Gelu.GGML_FP16_TABLE.apply(-250f)).isEqualTo(0f);
        assertThat(Gelu.GGML_FP16_TABLE.apply(10f)).isEqualTo(10f);
        assertThat(Gelu.GGML_FP16_TABLE.apply(12.3456f)).isEqualTo(12.3456f); // not rounded to fp16 (12.34375)
        float justInside = Math.nextDown(10f);
        assertThat(Gelu.GGML_FP16_TABLE.apply(justInside)).isEqualTo(10f); // input rounded to fp16 10.0, gelu(10) = 10
        assertThat(Gelu.GGML_FP16_TABLE.apply(-9.99f)).isEqualTo(-0f);
    }
}
