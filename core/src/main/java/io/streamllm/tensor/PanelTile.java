package io.streamllm.tensor;

import static io.streamllm.tensor.Vectors.LANES;
import static io.streamllm.tensor.Vectors.load;
import static io.streamllm.tensor.Vectors.zero;

import jdk.incubator.vector.FloatVector;

/**
 * A {@link WeightMatrix#tile} for types whose weights are costly to decode in the tile's inner
 * loop: the tile's rows are decoded once into a float panel ({@link WeightMatrix#dequantizeRows})
 * and multiplied from there. Plain and correct rather than fast; the batched path that matters
 * multiplies such panels by many inputs at once.
 */
final class PanelTile {
    private PanelTile() {
    }

    private static final ThreadLocal<float[][]> PANEL = ThreadLocal.withInitial(() -> new float[1][0]);

    /**
     * The tile of {@code m} at rows {@code row ..} and inputs {@code token ..}, in {@link WeightMatrix#tile}'s
     * contract; {@code m}'s rows must be whole vectors.
     */
    static int tile(WeightMatrix m, int row, float[] x, int token, float[] sums) {
        // C2 inlines the type's dequantizeRows here; without a mark of its own this method then died of
        // SIGBUS on a cut mapped file (TruncatedWeightsTest) instead of raising an error.
        Vectors.markFaultSafe(m.data());
        int rows = m.tileRows(), inputs = m.tileInputs(), cols = m.cols();
        float[][] holder = PANEL.get();
        if (holder[0].length < rows * cols) {
            holder[0] = new float[rows * cols];
        }
        float[] panel = holder[0];
        m.dequantizeRows(row, rows, panel, 0);
        for (int r = 0; r < rows; r++) {
            for (int t = 0; t < inputs; t++) {
                int w = r * cols, xi = (token + t) * cols;
                FloatVector acc = zero();
                for (int i = 0; i < cols; i += LANES) {
                    acc = load(panel, w + i).fma(load(x, xi + i), acc);
                }
                acc.intoArray(sums, (inputs * r + t) * LANES);
            }
        }
        return cols;
    }
}
