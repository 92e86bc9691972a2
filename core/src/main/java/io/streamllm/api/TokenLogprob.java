package io.streamllm.api;

import java.util.List;

/**
 * How likely the model found one token: its natural-log probability under the model's own next-token
 * distribution (the log-softmax of the raw logits, before temperature, penalties, logit bias, top-k, top-p
 * and min-p), and the most likely tokens of that same distribution. This is what OpenAI's {@code logprobs}
 * report, and what {@link StreamingSession#negativeLogLikelihood(int)} gives negated: a logprob does not
 * depend on the sampling settings, only on the text before the token.
 *
 * @param token        the token id
 * @param logprob      its log-probability, in nats (0 or less; -infinity for a token the model rules out)
 * @param alternatives the most likely tokens by decreasing log-probability (ties: lower id first), each with
 *                     no alternatives of its own; empty when none were asked for
 */
public record TokenLogprob(int token, double logprob, List<TokenLogprob> alternatives) {

    /** Copies the alternatives. */
    public TokenLogprob {
        alternatives = List.copyOf(alternatives);
    }
}
