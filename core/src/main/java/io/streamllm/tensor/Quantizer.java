package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;

/**
 * Converts float32 values to the storage of a tensor type, with the same rounding as llama.cpp's
 * reference quantizers, so that files written here read back in llama.cpp as they do here. Each
 * type's block quantizer is its matrix class's {@code quantizeBlock}, found in {@link GgmlType}'s table.
 */
public final class Quantizer {
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
        if (!type.writable()) {
            throw new UnsupportedOperationException("cannot write tensor type " + type);
        }
        GgmlType.BlockQuantizer block = type.quantizer();
        int blockSize = type.blockSize();
        for (int b = 0; b < count / blockSize; b++) {
            block.quantizeBlock(src, srcOffset + b * blockSize, dst, dstOffset + (long) b * type.blockBytes());
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

    /** C's roundf: halves round away from zero (Math.round would round -2.5 to -2). */
    static int roundHalfAwayFromZero(float v) {
        return v < 0 ? -Math.round(-v) : Math.round(v);
    }
}
