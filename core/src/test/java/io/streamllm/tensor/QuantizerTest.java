package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizerTest {

    private static MemorySegment quantize(GgmlType type, float[] values) {
        MemorySegment segment = Arena.ofAuto().allocate(type.bytesFor(values.length));
        Quantizer.quantize(type, values, 0, values.length, segment, 0);
        return segment;
    }

    private static float[] dequantize(GgmlType type, MemorySegment segment, int count) {
        float[] out = new float[count];
        WeightMatrix.of(type, segment, 1, count).dequantizeRow(0, out, 0);
        return out;
    }

    private static String hex(MemorySegment segment) {
        return HexFormat.of().formatHex(segment.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    @Test
    void q8_0RoundTripIsWithinHalfAStepPerBlock() {
        Random random = new Random(11);
        float[] values = KernelCheck.randomFloats(random, 32 * 50);
        float[] back = dequantize(GgmlType.Q8_0, quantize(GgmlType.Q8_0, values), values.length);
        for (int b = 0; b < 50; b++) {
            float amax = 0;
            for (int i = 0; i < 32; i++) {
                amax = Math.max(amax, Math.abs(values[32 * b + i]));
            }
            float step = amax / 127;
            // The file stores the step as f16, so each |q| <= 127 multiplies its rounding error too.
            double stored = Float.float16ToFloat(Float.floatToFloat16(step));
            for (int i = 0; i < 32; i++) {
                float v = values[32 * b + i];
                double q = Math.abs(Math.rint(v / step));
                double allowed = step / 2 * (1 + 1e-6) + q * Math.abs(stored - step);
                assertThat((double) Math.abs(back[32 * b + i] - v)).as("block %d element %d", b, i).isLessThanOrEqualTo(allowed);
            }
        }
    }

    @Test
    void q4_0RoundTripIsWithinHalfAStepPerBlockExceptTheClampedEnd() {
        Random random = new Random(12);
        float[] values = KernelCheck.randomFloats(random, 32 * 50);
        float[] back = dequantize(GgmlType.Q4_0, quantize(GgmlType.Q4_0, values), values.length);
        for (int b = 0; b < 50; b++) {
            float max = 0;
            for (int i = 0; i < 32; i++) {
                float v = values[32 * b + i];
                if (Math.abs(v) > Math.abs(max)) {
                    max = v;
                }
            }
            float step = Math.abs(max / 8);
            double stored = Math.abs(Float.float16ToFloat(Float.floatToFloat16(max / -8)));
            for (int i = 0; i < 32; i++) {
                float v = values[32 * b + i];
                // The extreme value maps to -8; the other end of the 4-bit range stops at +7, so values
                // within half a step of -max (in units of d) clamp to 7 and may be off by up to a full step.
                double level = -v / max * 8;
                boolean clamped = level > 7.5;
                double allowed = (clamped ? step : step / 2) * (1 + 1e-6) + 8 * Math.abs(stored - step);
                assertThat((double) Math.abs(back[32 * b + i] - v)).as("block %d element %d", b, i).isLessThanOrEqualTo(allowed);
            }
        }
    }

    @Test
    void f16AndBf16RoundTripWithinHalfAnUlp() {
        Random random = new Random(13);
        float[] values = KernelCheck.randomFloats(random, 1000);
        float[] f16 = dequantize(GgmlType.F16, quantize(GgmlType.F16, values), values.length);
        float[] bf16 = dequantize(GgmlType.BF16, quantize(GgmlType.BF16, values), values.length);
        for (int i = 0; i < values.length; i++) {
            float v = values[i];
            assertThat((double) Math.abs(f16[i] - v)).isLessThanOrEqualTo(Math.abs(v) * 0x1p-11 + 0x1p-25);
            assertThat((double) Math.abs(bf16[i] - v)).isLessThanOrEqualTo(Math.abs(v) * 0x1p-8);
        }
        float[] exact = {0f, -0f, 1f, -2.5f, 65504f, 0x1p-24f};
        assertThat(dequantize(GgmlType.F16, quantize(GgmlType.F16, exact), exact.length)).containsExactly(exact);
        assertThat(dequantize(GgmlType.F32, quantize(GgmlType.F32, values), values.length)).containsExactly(values);
    }

    @Test
    void bf16RoundsToNearestEvenAndKeepsNaN() {
        assertThat(Quantizer.floatToBf16(1f)).isEqualTo((short) 0x3f80);
        // 1 + 2^-8 is halfway between bf16 1 and 1 + 2^-7: ties go to the even mantissa (1).
        assertThat(Quantizer.floatToBf16(1f + 0x1p-8f)).isEqualTo((short) 0x3f80);
        // 1 + 3*2^-8 is halfway between 1 + 2^-7 (odd) and 1 + 2^-6 (even): rounds up.
        assertThat(Quantizer.floatToBf16(1f + 3 * 0x1p-8f)).isEqualTo((short) 0x3f82);
        assertThat(Quantizer.floatToBf16(-2f)).isEqualTo((short) 0xc000);
        assertThat(Float.isNaN(BF16Matrix.bf16ToFloat(Quantizer.floatToBf16(Float.NaN)))).isTrue();
    }

    @Test
    void knownQ8_0Block() {
        // All ones: amax 1, d = 1/127 = f16 0x2008 (stored little-endian), every q = 127.
        float[] ones = new float[32];
        java.util.Arrays.fill(ones, 1f);
        assertThat(hex(quantize(GgmlType.Q8_0, ones))).isEqualTo("0820" + "7f".repeat(32));

        // i - 16: amax 16 at element 0, d = 16/127, q = round((i - 16) * 127 / 16) with halves away from 0.
        float[] ramp = new float[32];
        StringBuilder expected = new StringBuilder(HexFormat.of().toHexDigits(Short.reverseBytes(Float.floatToFloat16(16f / 127))));
        for (int i = 0; i < 32; i++) {
            ramp[i] = i - 16;
        }
        int[] q = {-127, -119, -111, -103, -95, -87, -79, -71, -64, -56, -48, -40, -32, -24, -16, -8,
                0, 8, 16, 24, 32, 40, 48, 56, 64, 71, 79, 87, 95, 103, 111, 119};
        for (int v : q) {
            expected.append(HexFormat.of().toHexDigits((byte) v));
        }
        assertThat(hex(quantize(GgmlType.Q8_0, ramp))).isEqualTo(expected.toString());
    }

    @Test
    void knownQ4_0Block() {
        // j - 8 in the first half, 0 in the second: max = -8 so d = 1 (f16 0x3c00); element j gets
        // nibble j, elements 16.. get nibble 8: byte j = 0x80 | j.
        float[] values = new float[32];
        for (int j = 0; j < 16; j++) {
            values[j] = j - 8;
        }
        StringBuilder expected = new StringBuilder("003c");
        for (int j = 0; j < 16; j++) {
            expected.append(HexFormat.of().toHexDigits((byte) (0x80 | j)));
        }
        assertThat(hex(quantize(GgmlType.Q4_0, values))).isEqualTo(expected.toString());

        // All zeros: d = 0 / -8 = -0 (f16 0x8000, as in C) and every nibble 8 (the zero level).
        assertThat(hex(quantize(GgmlType.Q4_0, new float[32]))).isEqualTo("0080" + "88".repeat(16));
    }

    @Test
    void rejectsCountsThatAreNotWholeBlocks() {
        assertThatThrownBy(() -> Quantizer.quantize(GgmlType.Q8_0, new float[40], 0, 40, Arena.ofAuto().allocate(64), 0))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
