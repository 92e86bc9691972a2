package io.streamllm.eval;

/**
 * A model reading StreamEval's stream, asked things on a branch that leaves the stream as it was: what the
 * evaluation needs of a session, and a seam for a scripted fake in tests.
 */
public interface RecallProbe {

    /** Reads {@code text} into the stream. */
    void append(String text);

    /** The greedy continuation of the stream followed by {@code prompt}, at most {@code maxTokens} tokens. */
    String complete(String prompt, int maxTokens);

    /** The NLL (nats, summed over its tokens) of {@code continuation} after the stream followed by {@code prompt}. */
    double negativeLogLikelihood(String prompt, String continuation);
}
