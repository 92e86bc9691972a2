package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.F;
import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.load;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;

/**
 * The batched matmul of prefill, for every weight type: a panel of weight rows is decoded to floats
 * once ({@link WeightMatrix#dequantizeRows}) into a per-thread scratch that stays in L2, and then
 * multiplied by every input of the batch with a register-blocked float kernel. The decode, the only
 * type-specific part, is then paid once per weight and call instead of once per group of inputs.
 *
 * <p>The kernel is the outer-product form of BLIS's micro-kernels: {@link #ROWS} rows times
 * {@link #INPUTS} inputs of results live in registers (12 accumulators: 6 rows x 2 vectors of
 * inputs), and each step over a column broadcasts one weight per row and loads two vectors of
 * inputs, 8 loads for 12 FMAs. That needs the inputs transposed ({@link #pack}): for each group
 * of {@link #INPUTS} inputs, column-major, so that one column of the group is one or two vectors.
 * Nothing is reduced across lanes. 12 accumulators + 2 input vectors + 1 broadcast fit the 16
 * registers of AVX2; with AVX-512 the same shape uses half of its 32 registers.
 *
 * <p>Columns go in blocks of {@link #K_BLOCK} so that a group's block of packed inputs (16 KB with
 * AVX2) stays in L1 while the panel's rows pass over it; the accumulators go back to a small
 * array between blocks.
 */
final class PanelGemm {
    private PanelGemm() {
    }

    /** Rows per kernel call (and the row grain worth giving each thread). */
    static final int ROWS = 6;
    /** Inputs per kernel call: two float vectors. */
    static final int INPUTS = 2 * LANES;
    /**
     * From this batch on, matmulRows takes this path: half a group of inputs (8 with AVX2, 16 with
     * AVX-512). The kernel measured 2-3.6x the per-type tiles' speed on full groups, so it stays ahead
     * with half of its lanes padding; smaller batches (decode, speculative steps) keep the tiles.
     */
    static final int MIN_BATCH = Math.max(1, Integer.getInteger("streamllm.gemmMinBatch", INPUTS / 2));
    /** Decoded weights per panel: a part of a core's L2 (512 KB on Zen 3, 1-2 MB on others). */
    static final int PANEL_BYTES = Integer.getInteger("streamllm.gemmPanelBytes", 192 << 10);
    /** Columns per block of the kernel. */
    static final int K_BLOCK = Math.max(1, Integer.getInteger("streamllm.gemmKBlock", 256));

    /** Whether a batch of {@code batch} inputs goes through this class. */
    static boolean worthIt(int batch) {
        return batch >= MIN_BATCH;
    }

    /** Groups of {@link #INPUTS} inputs in a batch, the last one padded with zeros. */
    static int groups(int batch) {
        return (batch + INPUTS - 1) / INPUTS;
    }

    /** A float array of at least {@code length} floats in {@code holder[index]}, grown when too small. */
    private static float[] scratch(float[][] holder, int index, int length) {
        if (holder[index].length < length) {
            holder[index] = new float[length];
        }
        return holder[index];
    }

    /** Each thread's scratch: [0] packed inputs, [1] a panel of decoded weights, [2] the panel's sums. */
    private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

    /** This thread's array for {@link #pack}, large enough for {@code batch} inputs of {@code cols}. */
    static float[] packBuffer(int batch, int cols) {
        return scratch(SCRATCH.get(), 0, groups(batch) * INPUTS * cols);
    }

    /**
     * Writes groups [{@code groupStart}, {@code groupEnd}) of the {@code batch} inputs {@code x[batch][cols]}
     * to {@code packed}: group g at {@code g*cols*INPUTS}, column k of its input t at {@code k*INPUTS + t},
     * zeros for the inputs past the batch.
     */
    static void pack(float[] x, int batch, int cols, float[] packed, int groupStart, int groupEnd) {
        for (int g = groupStart; g < groupEnd; g++) {
            int first = g * INPUTS;
            int present = Math.min(INPUTS, batch - first);
            int p = g * cols * INPUTS;
            for (int k = 0; k < cols; k++, p += INPUTS) {
                for (int t = 0; t < present; t++) {
                    packed[p + t] = x[(first + t) * cols + k];
                }
                for (int t = present; t < INPUTS; t++) {
                    packed[p + t] = 0;
                }
            }
        }
    }

    /**
     * Rows [rowStart, rowEnd) of {@code m} times the {@code batch} inputs in {@code packed} (see {@link #pack}):
     * {@code out[b*rows + r] = W[r] . x[b]}.
     */
    static void multiply(WeightMatrix m, float[] packed, int batch, float[] out, int rowStart, int rowEnd) {
        int cols = m.cols();
        int rows = m.rows();
        int groups = groups(batch);
        int panelRows = Math.max(ROWS, PANEL_BYTES / Float.BYTES / cols / ROWS * ROWS);
        int tileSize = ROWS * INPUTS;
        float[][] holder = SCRATCH.get();
        float[] panel = scratch(holder, 1, panelRows * cols);
        float[] sums = scratch(holder, 2, panelRows / ROWS * groups * tileSize);
        for (int panelStart = rowStart; panelStart < rowEnd; panelStart += panelRows) {
            int count = Math.min(panelRows, rowEnd - panelStart);
            int tiles = (count + ROWS - 1) / ROWS;
            m.dequantizeRows(panelStart, count, panel, 0);
            // The last tile's missing rows multiply as zeros; their sums are never read.
            Arrays.fill(panel, count * cols, tiles * ROWS * cols, 0f);
            Arrays.fill(sums, 0, tiles * groups * tileSize, 0f);
            for (int k = 0; k < cols; k += K_BLOCK) {
                int kCount = Math.min(K_BLOCK, cols - k);
                for (int g = 0; g < groups; g++) {
                    int inputs = (g * cols + k) * INPUTS;
                    for (int tile = 0; tile < tiles; tile++) {
                        kernel(panel, tile * ROWS * cols + k, cols, packed, inputs, kCount, sums,
                                (tile * groups + g) * tileSize);
                    }
                }
            }
            for (int b = 0; b < batch; b++) {
                int from = (b / INPUTS) * tileSize + b % INPUTS;
                int to = b * rows + panelStart;
                for (int r = 0; r < count; r++) {
                    out[to + r] = sums[from + (r / ROWS) * groups * tileSize + (r % ROWS) * INPUTS];
                }
            }
        }
    }

    /**
     * Adds to the {@link #ROWS} x {@link #INPUTS} sums at {@code sums[tile ..]} (row-major) the products of
     * {@code kCount} columns: the weights of row r at {@code w[weights + r*cols ..]}, the inputs' columns
     * at {@code x[inputs ..]}, {@link #INPUTS} floats each. Written out, with only Vector API calls
     * inside, so that C2 keeps all 15 vectors in registers.
     */
    private static void kernel(float[] w, int weights, int cols, float[] x, int inputs, int kCount,
                               float[] sums, int tile) {
        int w0 = weights, w1 = w0 + cols, w2 = w1 + cols, w3 = w2 + cols, w4 = w3 + cols, w5 = w4 + cols;
        FloatVector c00 = load(sums, tile), c01 = load(sums, tile + LANES);
        FloatVector c10 = load(sums, tile + 2 * LANES), c11 = load(sums, tile + 3 * LANES);
        FloatVector c20 = load(sums, tile + 4 * LANES), c21 = load(sums, tile + 5 * LANES);
        FloatVector c30 = load(sums, tile + 6 * LANES), c31 = load(sums, tile + 7 * LANES);
        FloatVector c40 = load(sums, tile + 8 * LANES), c41 = load(sums, tile + 9 * LANES);
        FloatVector c50 = load(sums, tile + 10 * LANES), c51 = load(sums, tile + 11 * LANES);
        for (int k = 0, xi = inputs; k < kCount; k++, xi += INPUTS) {
            FloatVector x0 = load(x, xi), x1 = load(x, xi + LANES);
            FloatVector u = FloatVector.broadcast(F, w[w0 + k]);
            c00 = x0.fma(u, c00);
            c01 = x1.fma(u, c01);
            u = FloatVector.broadcast(F, w[w1 + k]);
            c10 = x0.fma(u, c10);
            c11 = x1.fma(u, c11);
            u = FloatVector.broadcast(F, w[w2 + k]);
            c20 = x0.fma(u, c20);
            c21 = x1.fma(u, c21);
            u = FloatVector.broadcast(F, w[w3 + k]);
            c30 = x0.fma(u, c30);
            c31 = x1.fma(u, c31);
            u = FloatVector.broadcast(F, w[w4 + k]);
            c40 = x0.fma(u, c40);
            c41 = x1.fma(u, c41);
            u = FloatVector.broadcast(F, w[w5 + k]);
            c50 = x0.fma(u, c50);
            c51 = x1.fma(u, c51);
        }
        c00.intoArray(sums, tile);
        c01.intoArray(sums, tile + LANES);
        c10.intoArray(sums, tile + 2 * LANES);
        c11.intoArray(sums, tile + 3 * LANES);
        c20.intoArray(sums, tile + 4 * LANES);
        c21.intoArray(sums, tile + 5 * LANES);
        c30.intoArray(sums, tile + 6 * LANES);
        c31.intoArray(sums, tile + 7 * LANES);
        c40.intoArray(sums, tile + 8 * LANES);
        c41.intoArray(sums, tile + 9 * LANES);
        c50.intoArray(sums, tile + 10 * LANES);
        c51.intoArray(sums, tile + 11 * LANES);
    }
}
