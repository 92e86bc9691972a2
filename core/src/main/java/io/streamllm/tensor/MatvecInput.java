package io.streamllm.tensor;

import java.util.Arrays;

/**
 * The input of a matrix-vector product (decode, batch 1), with the derived forms that weight types'
 * kernels read, each computed at most once per input: as ggml's {@code vec_dot_type}, a type whose fast
 * kernel wants its input in another form asks for it ({@link WeightMatrix#prepare}), and the matmuls that
 * share an input (q/k/v, gate/up) share that form. {@link #set} starts a new input and forgets the forms.
 *
 * <p>One object per thread that calls matmuls; its arrays grow once and are reused, so a decode step
 * allocates nothing. Forms are computed by the calling thread before the rows are handed to workers,
 * which only read them.
 */
public final class MatvecInput {
    private float[] x;
    private int cols;

    private boolean halvesReady;
    private boolean sumsReady;
    private float[] halvesScaled = new float[0];
    private float[] blockSums = new float[0];

    /** Makes {@code x[0 .. cols)} the input; forms of the previous input are dropped. */
    public MatvecInput set(float[] x, int cols) {
        if (cols > x.length) {
            throw new IllegalArgumentException("input of " + cols + " columns in an array of " + x.length);
        }
        this.x = x;
        this.cols = cols;
        this.halvesReady = false;
        this.sumsReady = false;
        return this;
    }

    /** The input as given (the whole array: a batch's rows, when a batch is passed on as a matmul). */
    public float[] x() {
        return x;
    }

    int cols() {
        return cols;
    }

    /**
     * The form of the 4-bit kernels that keep both nibbles of a byte in one int lane: in each block of 32,
     * elements 16..31 divided by 16 (exact: a power of two), so that the high nibble masked in place
     * (16 times its value) times this input gives the plain product; see {@link #blockSums}.
     */
    void prepareHalves() {
        if (halvesReady) {
            return;
        }
        if (halvesScaled.length < cols) {
            halvesScaled = new float[cols];
        }
        for (int i = 0; i < cols; i++) {
            halvesScaled[i] = i % Q4_0Matrix.BLOCK < Q4_0Matrix.BLOCK / 2 ? x[i] : x[i] * 0x1p-4f;
        }
        prepareBlockSums();
        halvesReady = true;
    }

    /** The form of the kernels that subtract an offset or minimum per block of 32: the input's sum per block. */
    void prepareBlockSums() {
        if (sumsReady) {
            return;
        }
        int blocks = cols / 32;
        if (blockSums.length < blocks) {
            blockSums = new float[blocks];
        }
        Arrays.fill(blockSums, 0, blocks, 0f);
        for (int i = 0; i < blocks * 32; i++) {
            blockSums[i / 32] += x[i];
        }
        sumsReady = true;
    }

    /** {@link #prepareHalves}'s input. */
    float[] halvesScaled() {
        return halvesScaled;
    }

    /** {@link #prepareBlockSums}'s sums: Q4_0 subtracts its offset (8) times the sum once per block, the K-quants their minimum. */
    float[] blockSums() {
        return blockSums;
    }
}
