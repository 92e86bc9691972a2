package io.streamllm.model.blocks;

/** RMSNorm over rows of {@code weight.length}: out = x / sqrt(mean(x^2) + eps) * weight. */
public record RmsNorm(float[] weight, float epsilon) implements Norm {

    public static RmsNorm load(Weights weights, String name, int width, float epsilon) {
        return new RmsNorm(weights.vector(name, width), epsilon);
    }

    @Override
    public void apply(float[] out, float[] x, int count) {
        Norms.rmsNorm(out, x, weight, weight.length, count, epsilon);
    }
}
