package io.streamllm.model.blocks;

/**
 * Layer normalization with a learned scale and an optional bias: {@code (x - mean) / sqrt(var + eps) * w (+ b)},
 * with the biased variance. The arithmetic follows ggml's {@code ggml_norm}: sums in double, the centred values,
 * the mean, the variance and the scale in float, so that the rounding matches llama.cpp's.
 */
public final class LayerNorm implements Norm {
    private final float[] weight;
    private final float[] bias;
    private final float epsilon;

    /** {@code bias} may be null (MPT's norms have none). */
    public LayerNorm(float[] weight, float[] bias, float epsilon) {
        if (bias != null && bias.length != weight.length) {
            throw new IllegalArgumentException("LayerNorm bias has " + bias.length + " values but its weight " + weight.length);
        }
        this.weight = weight;
        this.bias = bias;
        this.epsilon = epsilon;
    }

    /** {@code prefix.weight} and, when the file has one, {@code prefix.bias}. */
    public static LayerNorm load(Weights weights, String prefix, int width, float epsilon) {
        return new LayerNorm(weights.vector(prefix + ".weight", width), weights.optionalVector(prefix + ".bias", width), epsilon);
    }

    public int width() {
        return weight.length;
    }

    @Override
    public void apply(float[] out, float[] x, int rows) {
        int n = weight.length;
        for (int row = 0; row < rows; row++) {
            int base = row * n;
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += x[base + i];
            }
            float mean = (float) (sum / n);
            double sumOfSquares = 0;
            for (int i = 0; i < n; i++) {
                float centred = x[base + i] - mean;
                out[base + i] = centred;
                sumOfSquares += centred * centred;
            }
            float variance = (float) (sumOfSquares / n);
            float scale = 1f / (float) Math.sqrt(variance + epsilon);
            for (int i = 0; i < n; i++) {
                float y = out[base + i] * scale * weight[i];
                out[base + i] = bias == null ? y : y + bias[i];
            }
        }
    }
}
