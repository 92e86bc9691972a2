package io.streamllm.model.blocks;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LayerNormTest {
    private static final int WIDTH = 67;
    private static final int ROWS = 5;
    private static final float EPS = 1e-5f;

    /** (x - mean) / sqrt(var + eps) * w + b in double precision, biased variance. */
    private static double[] reference(float[] x, int row, float[] w, float[] b) {
        double mean = 0;
        for (int i = 0; i < WIDTH; i++) {
            mean += x[row * WIDTH + i];
        }
        mean /= WIDTH;
        double variance = 0;
        for (int i = 0; i < WIDTH; i++) {
            double d = x[row * WIDTH + i] - mean;
            variance += d * d;
        }
        variance /= WIDTH;
        double[] out = new double[WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            out[i] = (x[row * WIDTH + i] - mean) / Math.sqrt(variance + EPS) * w[i] + (b == null ? 0 : b[i]);
        }
        return out;
    }

    private static float[] random(SplittableRandom random, int n, double offset, double spread) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (offset + spread * random.nextGaussian());
        }
        return v;
    }

    @Test
    void withAndWithoutBiasMatchTheFormula() {
        SplittableRandom random = new SplittableRandom(3);
        float[] x = random(random, WIDTH * ROWS, 3, 2); // a large mean: the centring must not lose it
        float[] w = random(random, WIDTH, 1, 0.2);
        float[] b = random(random, WIDTH, 0, 0.1);
        for (float[] bias : new float[][] {b, null}) {
            float[] out = new float[x.length];
            new LayerNorm(w, bias, EPS).apply(out, x, ROWS);
            for (int row = 0; row < ROWS; row++) {
                double[] expected = reference(x, row, w, bias);
                for (int i = 0; i < WIDTH; i++) {
                    assertThat(Math.abs(out[row * WIDTH + i] - expected[i])).as("row %d, %d, bias %s", row, i, bias != null)
                            .isLessThan(2e-6);
                }
            }
        }
    }

    @Test
    void inPlaceGivesTheSameRows() {
        SplittableRandom random = new SplittableRandom(4);
        float[] x = random(random, WIDTH * ROWS, 0, 1);
        LayerNorm norm = new LayerNorm(random(random, WIDTH, 1, 0.1), random(random, WIDTH, 0, 0.1), EPS);
        float[] out = new float[x.length];
        norm.apply(out, x, ROWS);
        norm.apply(x, x, ROWS);
        assertThat(x).containsExactly(out);
    }

    @Test
    void aConstantRowIsTheBias() {
        float[] x = new float[WIDTH];
        java.util.Arrays.fill(x, 7.5f);
        float[] b = new float[WIDTH];
        b[3] = 0.25f;
        float[] w = new float[WIDTH];
        java.util.Arrays.fill(w, 2f);
        new LayerNorm(w, b, EPS).apply(x, x, 1);
        assertThat(x[3]).isEqualTo(0.25f);
        assertThat(x[0]).isEqualTo(0f);
    }

    @Test
    void aBiasOfAnotherWidthIsRefused() {
        assertThatThrownBy(() -> new LayerNorm(new float[4], new float[3], EPS))
                .hasMessageContaining("bias has 3 values but its weight 4");
    }
}
