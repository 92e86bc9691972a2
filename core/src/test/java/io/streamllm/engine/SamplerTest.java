package io.streamllm.engine;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class SamplerTest {
    private static final float[] LOGITS = {1.0f, 3.0f, 2.0f, 0.5f, 2.9f, -1.0f};

    private static SamplerSettings settings(float temperature, int topK, float topP, float minP, float penalty, long seed) {
        return new SamplerSettings(temperature, topK, topP, minP, penalty, 8, seed);
    }

    private static int[] counts(SamplerSettings settings, int draws) {
        Sampler sampler = new Sampler(settings, LOGITS.length);
        int[] counts = new int[LOGITS.length];
        for (int i = 0; i < draws; i++) {
            counts[sampler.sample(LOGITS.clone())]++;
        }
        return counts;
    }

    @Test
    void greedyTakesTheLargestLogit() {
        assertThat(new Sampler(SamplerSettings.greedy(), LOGITS.length).sample(LOGITS.clone())).isEqualTo(1);
    }

    @Test
    void temperatureOneDrawsFromTheSoftmax() {
        int draws = 200_000;
        int[] counts = counts(settings(1f, 0, 1f, 0f, 1f, 42), draws);
        double sum = 0;
        for (float l : LOGITS) {
            sum += Math.exp(l);
        }
        for (int i = 0; i < LOGITS.length; i++) {
            double p = Math.exp(LOGITS[i]) / sum;
            // Five standard deviations of a binomial count.
            double tolerance = 5 * Math.sqrt(draws * p * (1 - p)) + 1;
            assertThat((double) counts[i]).as("token %d", i).isCloseTo(draws * p, within(tolerance));
        }
    }

    @Test
    void topKKeepsOnlyTheKBest() {
        int[] counts = counts(settings(1f, 2, 1f, 0f, 1f, 1), 10_000);
        assertThat(counts[1] + counts[4]).isEqualTo(10_000);
        assertThat(counts[1]).isGreaterThan(counts[4]);
    }

    @Test
    void topPKeepsTheSmallestSetReachingP() {
        // softmax mass: token 1 ~0.40, token 4 ~0.36, token 2 ~0.15: top-p 0.7 keeps tokens 1 and 4.
        int[] counts = counts(settings(1f, 0, 0.7f, 0f, 1f, 2), 10_000);
        assertThat(counts[1] + counts[4]).isEqualTo(10_000);
    }

    @Test
    void minPDropsTokensFarLessLikelyThanTheBest() {
        // p(2)/p(1) = e^-1 ~ 0.37, p(0)/p(1) = e^-2 ~ 0.14: min-p 0.2 keeps 1, 4 and 2 only.
        int[] counts = counts(settings(1f, 0, 1f, 0.2f, 1f, 3), 20_000);
        assertThat(counts[0] + counts[3] + counts[5]).isZero();
        assertThat(counts[2]).isPositive();
    }

    @Test
    void theSameSeedGivesTheSameDraws() {
        assertThat(counts(settings(0.8f, 40, 0.95f, 0.05f, 1f, 7), 500))
                .containsExactly(counts(settings(0.8f, 40, 0.95f, 0.05f, 1f, 7), 500));
    }

    @Test
    void repetitionPenaltyTurnsGreedyAwayFromRecentTokens() {
        Sampler sampler = new Sampler(settings(0f, 0, 1f, 0f, 1.5f, 0), LOGITS.length);
        sampler.accept(1);
        // 3.0 / 1.5 = 2.0 falls below token 4's 2.9.
        assertThat(sampler.sample(LOGITS.clone())).isEqualTo(4);
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThatThrownBy(() -> settings(-0.1f, 0, 1f, 0f, 1f, 0)).hasMessageContaining("temperature");
        assertThatThrownBy(() -> settings(1f, -1, 1f, 0f, 1f, 0)).hasMessageContaining("top-k");
        assertThatThrownBy(() -> settings(1f, 0, 0f, 0f, 1f, 0)).hasMessageContaining("top-p");
        assertThatThrownBy(() -> settings(1f, 0, 1f, 1f, 1f, 0)).hasMessageContaining("min-p");
    }

    @Test
    void stopStringsAreNeverEmittedEvenInPart() {
        StopStringFilter filter = new StopStringFilter(List.of("<|end|>", "\nUser:"));
        StringBuilder out = new StringBuilder();
        for (String piece : List.of("Hello", " wor", "ld<", "|en", "d|> more")) {
            out.append(filter.accept(piece));
            assertThat(out.toString()).doesNotContain("<|");
        }
        assertThat(filter.stopped()).isTrue();
        assertThat(out).hasToString("Hello world");

        StopStringFilter open = new StopStringFilter(List.of("\nUser:"));
        assertThat(open.accept("a\nUs")).isEqualTo("a");
        assertThat(open.accept("e it")).isEqualTo("\nUse it");
        assertThat(open.accept("\n")).isEmpty();
        assertThat(open.flush()).isEqualTo("\n");
        assertThat(open.stopped()).isFalse();
    }
}
