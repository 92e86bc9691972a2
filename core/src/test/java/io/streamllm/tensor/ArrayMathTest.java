package io.streamllm.tensor;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The array kernels against plain scalar loops, for lengths around the vector width. */
class ArrayMathTest {

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 7, 8, 15, 16, 17, 31, 64, 100, 128, 257})
    void dotAndAddScaledMatchScalarLoops(int n) {
        SplittableRandom random = new SplittableRandom(n);
        float[] a = randomArray(random, n + 5);
        float[] b = randomArray(random, n + 9);
        double expected = 0;
        double magnitude = 0;
        for (int i = 0; i < n; i++) {
            expected += (double) a[2 + i] * b[7 + i];
            magnitude += Math.abs((double) a[2 + i] * b[7 + i]);
        }
        assertThat((double) ArrayMath.dot(a, 2, b, 7, n)).isCloseTo(expected, within(1e-5 * magnitude));

        float[] y = b.clone();
        ArrayMath.addScaled(y, 7, 0.37f, a, 2, n);
        for (int i = 0; i < b.length; i++) {
            float want = i >= 7 && i < 7 + n ? b[i] + 0.37f * a[i - 5] : b[i];
            assertThat(y[i]).as("element %d", i).isCloseTo(want, within(1e-6f * (1 + Math.abs(want))));
        }

        float[] sum = a.clone();
        ArrayMath.add(sum, b, n);
        for (int i = 0; i < a.length; i++) {
            assertThat(sum[i]).isEqualTo(i < n ? a[i] + b[i] : a[i]);
        }
    }

    private static float[] randomArray(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextDouble(-2, 2);
        }
        return x;
    }
}
