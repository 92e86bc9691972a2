package io.streamllm.engine;

/** Log-probabilities from logits, in double precision. */
public final class LogProbabilities {
    private LogProbabilities() {
    }

    /** -log softmax(logits)[token]. */
    public static double negativeLogLikelihood(float[] logits, int token) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        for (float l : logits) {
            sum += Math.exp(l - max);
        }
        return Math.log(sum) + max - logits[token];
    }
}
