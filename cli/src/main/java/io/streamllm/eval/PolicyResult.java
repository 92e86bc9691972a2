package io.streamllm.eval;

import java.util.List;

/**
 * The perplexity of one cache policy over a stream.
 *
 * @param policy   the policy as written on the command line, e.g. "sink:4:60"
 * @param tokens   tokens scored
 * @param meanNll  mean negative log-likelihood (natural log) per token
 * @param segments the mean over consecutive segments of the stream
 */
public record PolicyResult(String policy, long tokens, double meanNll, List<Segment> segments) {

    public PolicyResult {
        segments = List.copyOf(segments);
    }

    public double perplexity() {
        return Math.exp(meanNll);
    }
}
