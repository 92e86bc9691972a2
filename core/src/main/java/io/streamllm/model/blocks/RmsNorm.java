package io.streamllm.model.blocks;

/** RMSNorm over rows of {@code weight.length}: out = x / sqrt(mean(x^2) + eps) * weight. */
public record RmsNorm(float[] weight, float epsilon) implements Norm {

    public static RmsNorm load(Weights weights, String name, int width, float epsilon) {
        return new RmsNorm(weights.vector(name, width), epsilon);
    }

    @Override
    public void apply(float[] out, float[] x, int count) {
        int n = weight.length;
        for (int row = 0; row < count; row++) {
            int base = row * n;
            // A double accumulator, as ggml uses: wide rows of large activations lose bits in float.
            double sumOfSquares = 0;
            for (int i = 0; i < n; i++) {
                sumOfSquares += (double) x[base + i] * x[base + i];
            }
            float scale = (float) (1.0 / Math.sqrt(sumOfSquares / n + epsilon));
            for (int i = 0; i < n; i++) {
                out[base + i] = x[base + i] * scale * weight[i];
            }
        }
    }
}
