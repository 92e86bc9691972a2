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
    void theWholeVocabularyPathKeepsWhatAFullSortKeeps() {
        java.util.SplittableRandom random = new java.util.SplittableRandom(11);
        float[] logits = new float[5000];
        for (int i = 0; i < logits.length; i++) {
            // Rounded to a coarse grid so that ties occur (a full sort orders them by id).
            logits[i] = Math.round(random.nextGaussian() * 3 * 16) / 16f;
        }
        for (SamplerSettings settings : List.of(settings(0.8f, 0, 0.9f, 0f, 1f, 1), settings(1.3f, 0, 0.5f, 0.01f, 1f, 1),
                settings(0.7f, 1000, 0.95f, 0.05f, 1f, 1), settings(1f, 0, 1f, 0f, 1f, 1), settings(2f, 300, 1f, 0f, 1f, 1),
                settings(0.5f, 0, 0.999f, 0f, 1f, 1))) {
            double[] expected = fullSortReference(logits, settings);
            double[] actual = new Sampler(settings, logits.length).wholeVocabularyDistribution(logits.clone());
            for (int i = 0; i < logits.length; i++) {
                assertThat(actual[i] > 0).as("%s token %d kept", settings, i).isEqualTo(expected[i] > 0);
                assertThat(actual[i]).as("%s token %d", settings, i).isCloseTo(expected[i], within(1e-6));
            }
        }
    }

    /** The sampling chain as a full sort by logit (ties: lower id first) defines it. */
    private static double[] fullSortReference(float[] logits, SamplerSettings settings) {
        Integer[] order = new Integer[logits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int n = settings.topK() == 0 ? logits.length : Math.min(settings.topK(), logits.length);
        double[] p = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            p[i] = Math.exp((logits[order[i]] - logits[order[0]]) / settings.temperature());
            sum += p[i];
        }
        int keep = n;
        double cumulative = 0;
        for (int i = 0; i < n; i++) {
            cumulative += p[i] / sum;
            if (cumulative >= settings.topP()) {
                keep = i + 1;
                break;
            }
        }
        while (keep > 1 && p[keep - 1] < settings.minP() * p[0]) {
            keep--;
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += p[i];
        }
        double[] distribution = new double[logits.length];
        for (int i = 0; i < keep; i++) {
            distribution[order[i]] = p[i] / kept;
        }
        return distribution;
    }

    @Test
    void frequencyAndPresencePenaltiesLowerTheLogitsOfGeneratedTokens() {
        Sampler sampler = new Sampler(settings(0f, 0, 1f, 0f, 1f, 0).withPenalties(0.5f, 0.25f), LOGITS.length);
        sampler.acceptPrompt(2); // the prompt is not "generated in this completion"
        sampler.accept(1);
        sampler.accept(1);
        sampler.accept(4);
        float[] logits = LOGITS.clone();
        sampler.sample(logits);
        assertThat(logits[1]).isEqualTo(3.0f - 2 * 0.5f - 0.25f);
        assertThat(logits[4]).isEqualTo(2.9f - 0.5f - 0.25f);
        assertThat(logits[2]).isEqualTo(2.0f);
        assertThat(logits[0]).isEqualTo(1.0f);

        // Token 1 at 1.75 falls below token 4 at 2.15; a restart forgets the counts.
        assertThat(sampler.sample(LOGITS.clone())).isEqualTo(4);
        sampler.restart(settings(0f, 0, 1f, 0f, 1f, 0).withPenalties(0.5f, 0.25f));
        assertThat(sampler.sample(LOGITS.clone())).isEqualTo(1);
    }

    @Test
    void negativePenaltiesFavourGeneratedTokens() {
        Sampler sampler = new Sampler(settings(0f, 0, 1f, 0f, 1f, 0).withPenalties(0f, -0.5f), LOGITS.length);
        sampler.accept(4);
        assertThat(sampler.sample(LOGITS.clone())).isEqualTo(4);
    }

    @Test
    void invalidSettingsAreRefused() {
        assertThatThrownBy(() -> settings(1f, 0, 1f, 0f, 1f, 0).withPenalties(2.5f, 0)).hasMessageContaining("frequency");
        assertThatThrownBy(() -> settings(1f, 0, 1f, 0f, 1f, 0).withPenalties(0, Float.NaN)).hasMessageContaining("presence");
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
