package io.streamllm.engine;

import io.streamllm.api.TokenLogprob;

import java.util.ArrayList;
import java.util.List;

/**
 * The log-probabilities of a token and of the most likely tokens under one row of logits (log-softmax in double
 * precision, as {@link LogProbabilities}). Its buffer is reused; the results are allocated, so it only runs
 * when a caller asked for log-probabilities.
 */
public final class TokenScores {
    private int[] best = new int[0];

    /** {@return log-softmax(logits)[token], with the {@code top} most likely tokens (ties: lower id first)} */
    public TokenLogprob describe(float[] logits, int token, int top) {
        double logSum = logSumExp(logits);
        int count = topTokens(logits, Math.min(top, logits.length));
        List<TokenLogprob> alternatives = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            alternatives.add(new TokenLogprob(best[i], logits[best[i]] - logSum, List.of()));
        }
        return new TokenLogprob(token, logits[token] - logSum, alternatives);
    }

    static double logSumExp(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return Math.log(sum) + max;
    }

    /** Fills {@link #best} with the {@code k} best token ids, by decreasing logit; returns how many. */
    private int topTokens(float[] logits, int k) {
        if (best.length < k) {
            best = new int[k];
        }
        int count = 0;
        for (int token = 0; token < logits.length && k > 0; token++) {
            float l = logits[token];
            if (count == k && l <= logits[best[k - 1]]) {
                continue;
            }
            int at = count < k ? count++ : k - 1;
            while (at > 0 && logits[best[at - 1]] < l) {
                best[at] = best[at - 1];
                at--;
            }
            best[at] = token;
        }
        return count;
    }
}
