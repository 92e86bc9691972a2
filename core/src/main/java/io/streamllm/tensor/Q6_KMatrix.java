package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;
import static io.streamllm.tensor.KQuants.half;
import static io.streamllm.tensor.Vectors.BYTE_LANES;
import static io.streamllm.tensor.Vectors.broadcast;
import static io.streamllm.tensor.Vectors.BYTE_PARTS;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.LE;
import static io.streamllm.tensor.Vectors.bytesToFloats;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.B;
import static io.streamllm.tensor.Vectors.markFaultSafe;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;

/**
 * Q6_K (ggml's block_q6_K): super-blocks of 256 weights in 210 bytes: 128 bytes ql of low nibbles,
 * 64 bytes qh of 2-bit high parts, 16 signed 8-bit scales (one per 16 weights), then f16 d.
 * Each half n (128 weights) uses ql[64n ..], qh[32n ..]; for l in 0..31 the weights l, l+32, l+64,
 * l+96 of the half take the low nibble of ql[l], of ql[l+32], the high nibble of ql[l], of ql[l+32],
 * and bits 0-1, 2-3, 4-5, 6-7 of qh[l]. Weight = (d * scale) * (6-bit value - 32), in that order
 * in every kernel, so the vector panel equals {@link #dequantizeRow} exactly.
 */
final class Q6_KMatrix extends WeightMatrix {
    static final int BLOCK_BYTES = 210;
    static final int QH = 128;
    static final int SCALES = 192;
    static final int D = 208;

    Q6_KMatrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q6_K;
    }

    private float scale(long block, int j) {
        return data.get(ValueLayout.JAVA_BYTE, block + SCALES + j);
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        long block = row * rowBytes;
        for (int o = offset, end = offset + cols; o < end; o += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block + D);
            for (int n = 0; n < 2; n++) {
                for (int l = 0; l < 32; l++) {
                    int lo = data.get(ValueLayout.JAVA_BYTE, block + 64 * n + l) & 0xff;
                    int lo32 = data.get(ValueLayout.JAVA_BYTE, block + 64 * n + l + 32) & 0xff;
                    int h = data.get(ValueLayout.JAVA_BYTE, block + QH + 32 * n + l) & 0xff;
                    int j = 8 * n + l / 16;
                    int at = o + 128 * n + l;
                    out[at] = d * scale(block, j) * (((lo & 0x0f) | (h & 3) << 4) - 32);
                    out[at + 32] = d * scale(block, j + 2) * (((lo32 & 0x0f) | (h >>> 2 & 3) << 4) - 32);
                    out[at + 64] = d * scale(block, j + 4) * (((lo >>> 4) | (h >>> 4 & 3) << 4) - 32);
                    out[at + 96] = d * scale(block, j + 6) * (((lo32 >>> 4) | (h >>> 6 & 3) << 4) - 32);
                }
            }
        }
    }

    /** Writes 256 values as one super-block; see {@link KQuants} for the choice of scales. */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        float[] steps = new float[16];
        float maxStep = 0;
        for (int j = 0; j < 16; j++) {
            float amax = 0;
            for (int i = 0; i < 16; i++) {
                amax = Math.max(amax, Math.abs(src[srcOffset + 16 * j + i]));
            }
            steps[j] = amax / 31;
            maxStep = Math.max(maxStep, steps[j]);
        }
        short dBits = KQuants.halfAtLeast(maxStep, 127);
        float d = Float.float16ToFloat(dBits);
        int[] q = new int[SUPER];
        for (int j = 0; j < 16; j++) {
            int scale = KQuants.codeAtLeast(steps[j], d, 127);
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + SCALES + j, (byte) scale);
            float step = d * scale;
            for (int i = 0; i < 16; i++) {
                q[16 * j + i] = KQuants.level(src[srcOffset + 16 * j + i], step, -32, 31) + 32;
            }
        }
        dst.set(ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(java.nio.ByteOrder.LITTLE_ENDIAN), dstOffset + D, dBits);
        for (int n = 0; n < 2; n++) {
            for (int l = 0; l < 32; l++) {
                int q1 = q[128 * n + l], q2 = q[128 * n + l + 32], q3 = q[128 * n + l + 64], q4 = q[128 * n + l + 96];
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + 64 * n + l, (byte) ((q1 & 0x0f) | (q3 & 0x0f) << 4));
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + 64 * n + l + 32, (byte) ((q2 & 0x0f) | (q4 & 0x0f) << 4));
                int h = (q1 >>> 4) | (q2 >>> 4) << 2 | (q3 >>> 4) << 4 | (q4 >>> 4) << 6;
                dst.set(ValueLayout.JAVA_BYTE, dstOffset + QH + 32 * n + l, (byte) h);
            }
        }
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        return KQuants.symmetricDot(data, row * rowBytes, cols / SUPER, BLOCK_BYTES, x, xOffset);
    }

    // dequantizeRows decodes one quarter (k) of a half per pass of a loop: weights 32k+l take the low
    // (k < 2) or high (k >= 2) nibble of ql[32(k%2) + l] and bits 2k, 2k+1 of qh[l]. A single copy of
    // the decoding keeps the method under C2's node-count inlining cutoff, past which vectors were boxed.
    // Bytes are loaded with the JDK's own load, as in Q4_KMatrix (which says why).

    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        long block = rowStart * rowBytes;
        for (int o = offset, end = offset + count * cols; o < end; o += SUPER, block += BLOCK_BYTES) {
            float d = half(data, block + D);
            for (int n = 0; n < 2; n++) {
                for (int k = 0; k < 4; k++) {
                    long ql = block + 64 * n + 32 * (k % 2);
                    long qh = block + QH + 32 * n;
                    int ok = o + 128 * n + 32 * k;
                    for (int l = 0; l < 32; l += BYTE_LANES) {
                        FloatVector scale = broadcast(d * scale(block, 8 * n + 2 * k + l / 16));
                        ByteVector codes = KQuants.nibbles(ByteVector.fromMemorySegment(B, data, ql + l, LE), 4 * (k / 2))
                                .or(KQuants.highBits(ByteVector.fromMemorySegment(B, data, qh + l, LE), 2 * k, 0x30)).sub((byte) 32);
                        for (int p = 0; p < BYTE_PARTS; p++) {
                            bytesToFloats(codes, p).mul(scale).intoArray(out, ok + l + p * LANES);
                        }
                    }
                }
            }
        }
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        return PanelTile.tile(this, row, x, token, sums);
    }
}
