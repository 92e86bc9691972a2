package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Converts float32 values to the storage of a tensor type, with the same rounding as llama.cpp's
 * reference quantizers, so that files written here read back in llama.cpp as they do here.
 */
public final class Quantizer {
    private static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Quantizer() {
    }

    /**
     * Writes {@code count} values {@code src[srcOffset ..]} as {@code type} to {@code dst} at byte
     * {@code dstOffset}; {@code count} must be a multiple of the type's block size.
     */
    public static void quantize(GgmlType type, float[] src, int srcOffset, int count, MemorySegment dst, long dstOffset) {
        if (count % type.blockSize() != 0) {
            throw new IllegalArgumentException(type + " needs a multiple of " + type.blockSize() + " values, got " + count);
        }
        switch (type) {
            case F32 -> MemorySegment.copy(src, srcOffset, dst, F32_LE, dstOffset, count);
            case F16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(I16_LE, dstOffset + 2L * i, Float.floatToFloat16(src[srcOffset + i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < count; i++) {
                    dst.set(I16_LE, dstOffset + 2L * i, floatToBf16(src[srcOffset + i]));
                }
            }
            case Q8_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    quantizeQ8_0Block(src, srcOffset + 32 * b, dst, dstOffset + 34L * b);
                }
            }
            case Q4_0 -> {
                for (int b = 0; b < count / 32; b++) {
                    quantizeQ4_0Block(src, srcOffset + 32 * b, dst, dstOffset + 18L * b);
                }
            }
            default -> throw new UnsupportedOperationException("cannot write tensor type " + type);
        }
    }

    /** float32 to bfloat16 with round-to-nearest-even; NaN stays NaN. */
    public static short floatToBf16(float value) {
        int bits = Float.floatToRawIntBits(value);
        if (Float.isNaN(value)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7fff + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void quantizeQ8_0Block(float[] x, int offset, MemorySegment dst, long at) {
        float amax = 0;
        for (int i = 0; i < 32; i++) {
            amax = Math.max(amax, Math.abs(x[offset + i]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16_LE, at, Float.floatToFloat16(d));
        for (int i = 0; i < 32; i++) {
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + i, (byte) roundHalfAwayFromZero(x[offset + i] * id));
        }
    }

    /** C's roundf: halves round away from zero (Math.round would round -2.5 to -2). */
    private static int roundHalfAwayFromZero(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }

    private static void quantizeQ4_0Block(float[] x, int offset, MemorySegment dst, long at) {
        // The value of largest magnitude, sign kept, maps to -8 so that the full 4-bit range is used.
        float amax = 0;
        float max = 0;
        for (int i = 0; i < 32; i++) {
            float v = x[offset + i];
            if (Math.abs(v) > amax) {
                amax = Math.abs(v);
                max = v;
            }
        }
        float d = max / -8f;
        float id = d != 0 ? 1f / d : 0f;
        dst.set(I16_LE, at, Float.floatToFloat16(d));
        for (int j = 0; j < 16; j++) {
            int lo = Math.min(15, (int) (x[offset + j] * id + 8.5f));
            int hi = Math.min(15, (int) (x[offset + j + 16] * id + 8.5f));
            dst.set(ValueLayout.JAVA_BYTE, at + 2 + j, (byte) (lo | (hi << 4)));
        }
    }
}
