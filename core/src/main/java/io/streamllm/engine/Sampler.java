package io.streamllm.engine;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next token: repetition penalty, then greedy or the chain top-k, temperature, top-p,
 * min-p and a draw. Buffers are reused, so sampling allocates nothing per token.
 */
public final class Sampler {
    private final SamplerSettings settings;
    private final SplittableRandom random;
    private final int[] recent;
    private int recentCount;
    private int[] candidates;
    private float[] probabilities;

    public Sampler(SamplerSettings settings, int vocabularySize) {
        this.settings = settings;
        this.random = new SplittableRandom(settings.seed());
        this.recent = new int[settings.repetitionWindow()];
        this.candidates = new int[vocabularySize];
        this.probabilities = new float[vocabularySize];
    }

    /** Tells the sampler a token was added to the text (for the repetition penalty). */
    public void accept(int token) {
        if (recent.length > 0) {
            recent[recentCount++ % recent.length] = token;
        }
    }

    /** Chooses a token from {@code logits}; the array may be modified. */
    public int sample(float[] logits) {
        applyRepetitionPenalty(logits);
        if (settings.isGreedy()) {
            return argmax(logits);
        }
        int n = topCandidates(logits);
        float max = logits[candidates[0]];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            float p = (float) Math.exp((logits[candidates[i]] - max) / settings.temperature());
            probabilities[i] = p;
            sum += p;
        }
        // top-p: the smallest prefix (candidates are sorted by probability) reaching topP of the mass.
        double cumulative = 0;
        int keep = n;
        for (int i = 0; i < n; i++) {
            cumulative += probabilities[i] / sum;
            if (cumulative >= settings.topP()) {
                keep = i + 1;
                break;
            }
        }
        // min-p: drop what is less likely than minP times the best.
        float floor = settings.minP() * probabilities[0];
        while (keep > 1 && probabilities[keep - 1] < floor) {
            keep--;
        }
        double kept = 0;
        for (int i = 0; i < keep; i++) {
            kept += probabilities[i];
        }
        double r = random.nextDouble() * kept;
        for (int i = 0; i < keep; i++) {
            r -= probabilities[i];
            if (r < 0) {
                return candidates[i];
            }
        }
        return candidates[keep - 1];
    }

    private void applyRepetitionPenalty(float[] logits) {
        if (settings.repetitionPenalty() == 1f) {
            return;
        }
        int n = Math.min(recentCount, recent.length);
        for (int i = 0; i < n; i++) {
            int token = recent[i];
            // Each distinct token is penalized once, however often it occurred.
            boolean seenBefore = false;
            for (int j = 0; j < i; j++) {
                seenBefore |= recent[j] == token;
            }
            if (!seenBefore) {
                float l = logits[token];
                logits[token] = l > 0 ? l / settings.repetitionPenalty() : l * settings.repetitionPenalty();
            }
        }
    }

    /** Fills {@code candidates} with token ids by decreasing logit; returns how many are kept (top-k). */
    private int topCandidates(float[] logits) {
        int vocab = logits.length;
        int k = settings.topK() == 0 ? vocab : Math.min(settings.topK(), vocab);
        if (k < vocab) {
            // Keep a sorted list of the k best seen so far; cheap for the usual k of tens.
            int count = 0;
            for (int token = 0; token < vocab; token++) {
                float l = logits[token];
                if (count == k && l <= logits[candidates[k - 1]]) {
                    continue;
                }
                int at = count < k ? count++ : k - 1;
                while (at > 0 && logits[candidates[at - 1]] < l) {
                    candidates[at] = candidates[at - 1];
                    at--;
                }
                candidates[at] = token;
            }
            return count;
        }
        Integer[] order = new Integer[vocab];
        for (int i = 0; i < vocab; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        for (int i = 0; i < vocab; i++) {
            candidates[i] = order[i];
        }
        return vocab;
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
