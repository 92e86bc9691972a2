package io.streamllm.model.blocks;

import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/** out = W . in + bias, with the bias optional (null). */
public record Linear(WeightMatrix weight, float[] bias) {

    /** {@code prefix.weight} of {@code out} x {@code in}, and {@code prefix.bias} when the file has one. */
    public static Linear load(Weights weights, String prefix, int in, int out) {
        return new Linear(weights.matrix(prefix + ".weight", in, out), weights.optionalVector(prefix + ".bias", out));
    }

    /**
     * Applies the layer to {@code count} rows. A single row goes as the shared {@code in}, so that a form of it
     * that the weight type's kernel wants is computed once for all layers fed the same input.
     */
    public void apply(MatvecInput in, int count, float[] out, Parallel pool) {
        if (count == 1) {
            weight.matvec(in, out, pool);
        } else {
            weight.matmul(in.x(), count, out, pool);
        }
        addBias(out, count);
    }

    /** Applies the layer to {@code count} rows of {@code in}. */
    public void apply(float[] in, int count, float[] out, Parallel pool) {
        weight.matmul(in, count, out, pool);
        addBias(out, count);
    }

    private void addBias(float[] out, int count) {
        if (bias == null) {
            return;
        }
        for (int i = 0; i < count; i++) {
            int row = i * bias.length;
            for (int j = 0; j < bias.length; j++) {
                out[row + j] += bias[j];
            }
        }
    }

    public long byteSize() {
        return weight.byteSize();
    }
}
