package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.markFaultSafe;
import static io.streamllm.tensor.Vectors.sum;
import static io.streamllm.tensor.Vectors.zero;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * Q5_0 (ggml's {@code block_q5_0}): blocks of 32 weights in 22 bytes: f16 d, a little-endian 32-bit
 * word of fifth bits (bit i for weight i), then 16 bytes of low 4 bits (byte j: weight j in the low
 * nibble, weight j+16 in the high one); q = low + 16 * fifth - 16 (-16..15), w = d * q.
 * Each half of a block is one group of 16 ({@link Group16}).
 */
final class Q5_0Matrix extends WeightMatrix {
    static final int BLOCK = 32;
    static final int BLOCK_BYTES = 22;
    private static final int FIFTHS = 2;
    private static final int QUANTS = 6;
    private static final ValueLayout.OfInt I32_LE = ValueLayout.JAVA_INT_UNALIGNED.withOrder(Vectors.LE);

    private static final VectorSpecies<Short> SHORTS = Group16.BYTES.withLanes(short.class);
    /** Lane i of a group takes byte i/8 of the group's 16 fifth bits ... */
    private static final VectorShuffle<Byte> BYTE_OF_LANE = VectorShuffle.fromOp(Group16.BYTES, i -> i / 8);
    /** ... and keeps bit i%8 of it. */
    private static final ByteVector BIT_OF_LANE = ByteVector.fromArray(Group16.BYTES, bitOfLane(), 0);

    private static byte[] bitOfLane() {
        byte[] bits = new byte[Group16.SIZE];
        for (int i = 0; i < bits.length; i++) {
            bits[i] = (byte) (1 << (i % 8));
        }
        return bits;
    }

    Q5_0Matrix(MemorySegment data, int rows, int cols) {
        super(data, rows, cols);
    }

    @Override
    public GgmlType type() {
        return GgmlType.Q5_0;
    }

    @Override
    public void dequantizeRow(int row, float[] out, int offset) {
        for (int b = 0; b < cols / BLOCK; b++) {
            long block = row * rowBytes + (long) b * BLOCK_BYTES;
            float d = Float.float16ToFloat(data.get(I16_LE, block));
            int fifths = data.get(I32_LE, block + FIFTHS);
            for (int j = 0; j < 16; j++) {
                int packed = data.get(ValueLayout.JAVA_BYTE, block + QUANTS + j) & 0xff;
                int lo = (packed & 15 | (fifths >>> j & 1) << 4) - 16;
                int hi = (packed >>> 4 | (fifths >>> (j + 16) & 1) << 4) - 16;
                out[offset + b * BLOCK + j] = lo * d;
                out[offset + b * BLOCK + j + 16] = hi * d;
            }
        }
    }

    /** The quants -16..15 of group k (weights 16k ..) of the row starting at byte {@code start}. */
    private ByteVector quants(long start, int k) {
        long block = start + (long) (k / 2) * BLOCK_BYTES;
        ByteVector packed = Group16.load16(data, block + QUANTS);
        ByteVector low = k % 2 == 0 ? Group16.lowNibbles(packed) : Group16.highNibbles(packed);
        short fifths = (short) (data.get(I32_LE, block + FIFTHS) >>> (16 * (k % 2)));
        ByteVector fifth = ShortVector.broadcast(SHORTS, fifths).reinterpretAsBytes().rearrange(BYTE_OF_LANE)
                .and(BIT_OF_LANE).lanewise(VectorOperators.UMIN, (byte) 1);
        return low.or(Group16.shiftLeft(fifth, 4)).sub((byte) 16);
    }

    private float scale(long start, int k) {
        return Float.float16ToFloat(data.get(I16_LE, start + (long) (k / 2) * BLOCK_BYTES));
    }

    @Override
    public float dot(int row, float[] x, int xOffset) {
        markFaultSafe(data);
        long start = row * rowBytes;
        // Each group's sum goes into the accumulator of two groups back (acc1, then the two swap), so
        // that consecutive groups' FMAs overlap. One call site for the group: with two, C2 reached its
        // node-count inlining cutoff, left one uninlined and boxed its vectors (Q3_K 3x slower).
        FloatVector acc0 = zero(), acc1 = zero();
        for (int k = 0, xi = xOffset; k < cols / Group16.SIZE; k++, xi += Group16.SIZE) {
            FloatVector next = Group16.dot(quants(start, k), scale(start, k), 0f, x, xi, acc1);
            acc1 = acc0;
            acc0 = next;
        }
        return sum(acc0.add(acc1));
    }

    @Override
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        markFaultSafe(data);
        for (int r = 0; r < count; r++) {
            long start = (rowStart + r) * rowBytes;
            for (int k = 0; k < cols / Group16.SIZE; k++) {
                Group16.store(quants(start, k), scale(start, k), 0f, out, offset + r * cols + k * Group16.SIZE);
            }
        }
    }

    @Override
    protected int tile(int row, float[] x, int token, float[] sums) {
        return PanelTile.tile(this, row, x, token, sums);
    }

    /**
     * Writes 32 values as one block, as llama.cpp's reference quantizer does: the value of largest
     * magnitude maps to -16 (d = it / -16), the others round to nearest, 15 at most; the quants are
     * rounded against d as stored in f16.
     */
    static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset) {
        short dBits = Float.floatToFloat16(Q3_KMatrix.signedMax(src, srcOffset, BLOCK) / -16);
        float d = Float.float16ToFloat(dBits);
        dst.set(I16_LE, dstOffset, dBits);
        int fifths = 0;
        for (int j = 0; j < 16; j++) {
            int lo = quant(src[srcOffset + j], d), hi = quant(src[srcOffset + j + 16], d);
            fifths |= (lo >>> 4) << j | (hi >>> 4) << (j + 16);
            dst.set(ValueLayout.JAVA_BYTE, dstOffset + QUANTS + j, (byte) (lo & 15 | (hi & 15) << 4));
        }
        dst.set(I32_LE, dstOffset + FIFTHS, fifths);
    }

    /** {@code value / d} rounded to -16..15, stored as 0..31. */
    private static int quant(float value, float d) {
        return (d != 0 ? Math.clamp(Math.round(value / d), -16, 15) : 0) + 16;
    }
}
