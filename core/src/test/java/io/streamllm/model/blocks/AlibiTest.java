package io.streamllm.model.blocks;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AlibiTest {

    /** The ALiBi paper's slopes for max bias 8: geometric from 2^(-8/n); other counts borrow from 2n's odd terms. */
    private static double[] paperSlopes(int heads) {
        int n2 = Integer.highestOneBit(heads);
        double[] out = new double[heads];
        for (int h = 0; h < n2; h++) {
            out[h] = Math.pow(2, -8.0 / n2 * (h + 1));
        }
        for (int h = n2; h < heads; h++) {
            out[h] = Math.pow(2, -8.0 / (2 * n2) * (2 * (h - n2) + 1));
        }
        return out;
    }

    @Test
    void slopesAreThePapers() {
        for (int heads : new int[] {1, 4, 6, 12, 32, 40}) {
            Alibi alibi = new Alibi(heads, 8f);
            double[] expected = paperSlopes(heads);
            for (int h = 0; h < heads; h++) {
                assertThat((double) alibi.slope(h)).as("%d heads, head %d", heads, h)
                        .isCloseTo(expected[h], org.assertj.core.data.Percentage.withPercentage(2e-4));
            }
        }
        Alibi four = new Alibi(4, 8f);
        assertThat(new float[] {four.slope(0), four.slope(1), four.slope(2), four.slope(3)})
                .containsExactly(0.25f, 0.0625f, 0.015625f, 0.00390625f);
    }

    @Test
    void aRunGetsMinusSlopeTimesEachKeysDistance() {
        Alibi alibi = new Alibi(4, 8f);
        float[] scores = {9f, 1f, 2f, 3f, 9f};
        alibi.addToRun(scores, 1, 3, 1, 5); // distances 5, 4, 3 with slope 1/16
        assertThat(scores).containsExactly(9f, 1f - 5 / 16f, 2f - 4 / 16f, 3f - 3 / 16f, 9f);
    }
}
