package io.streamllm.model.blocks;

/** Normalization layers. */
public final class Norms {
    private Norms() {
    }

    /** RMSNorm of {@code count} rows of width {@code n}: out = x / sqrt(mean(x^2) + eps) * weight. */
    public static void rmsNorm(float[] out, float[] x, float[] weight, int n, int count, float epsilon) {
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
