package io.streamllm.tensor;

import static io.streamllm.tensor.KQuants.SUPER;

import java.lang.foreign.MemorySegment;

/**
 * What Q4_K and Q5_K share: ggml's asymmetric K-quant super-block (f16 d and dmin, packed 6-bit scales
 * and mins, 4-bit codes, and for Q5_K a fifth bit per weight), its scalar twin and its decode kernel,
 * both in {@link KQuants}. The types differ in where the codes and fifth bits are.
 */
abstract class ScaleMinMatrix extends WeightMatrix {
    private final int blockBytes;
    private final int codesAt;
    private final int fifthBitsAt;

    /**
     * @param codesAt     byte offset of the 4-bit codes in a super-block
     * @param fifthBitsAt byte offset of the fifth bits, or {@link KQuants#NO_HIGH_BITS}
     */
    ScaleMinMatrix(MemorySegment data, int rows, int cols, int blockBytes, int codesAt, int fifthBitsAt) {
        super(data, rows, cols);
        this.blockBytes = blockBytes;
        this.codesAt = codesAt;
        this.fifthBitsAt = fifthBitsAt;
    }

    @Override
    public final void dequantizeRow(int row, float[] out, int offset) {
        KQuants.scaleMinScalar(data, row * rowBytes, blockBytes, codesAt, fifthBitsAt, cols, out, offset);
    }

    @Override
    public final float dot(int row, float[] x, int xOffset) {
        return KQuants.scaleMinDot(data, row * rowBytes, cols / SUPER, blockBytes, codesAt, fifthBitsAt, x, xOffset,
                KQuants.sumsOf32(x, xOffset, cols), 0);
    }

    /** Decode reads the sums of the input per 32, computed once for all the matrices that share it. */
    @Override
    protected final void prepare(MatvecInput input) {
        input.prepareBlockSums();
    }

    @Override
    protected final float dot(int row, MatvecInput input) {
        return KQuants.scaleMinDot(data, row * rowBytes, cols / SUPER, blockBytes, codesAt, fifthBitsAt, input.x(), 0,
                input.blockSums(), 0);
    }
}
