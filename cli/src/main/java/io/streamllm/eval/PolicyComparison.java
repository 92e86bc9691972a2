package io.streamllm.eval;

import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;

import java.util.List;
import java.util.function.IntConsumer;

/**
 * Cache policies side by side on one model: each policy reads the same long stream token by token (perplexity,
 * and the time of each single-token decode step) and the same StreamEval register lines (the recall loss per
 * distance); the KV bytes are what its cache holds allocated once the stream is read.
 */
public final class PolicyComparison {

    /**
     * What one policy gave.
     *
     * @param policy     the policy as written and as expanded
     * @param perplexity its perplexity over the stream
     * @param recall     StreamEval's measures per distance, shortest first
     * @param msPerToken median time of one single-token decode step while reading the stream
     * @param kvBytes    bytes of keys and values its cache holds allocated at the end of the stream
     */
    public record Row(PolicyTemplates.Expanded policy, PolicyResult perplexity,
                      List<StreamEval.DistanceResult> recall, double msPerToken, long kvBytes) {
        public Row {
            recall = List.copyOf(recall);
        }
    }

    private final StreamingModel model;
    private final TokenStream stream;
    private final StreamEval recall;

    public PolicyComparison(StreamingModel model, TokenStream stream, StreamEval recall) {
        this.model = model;
        this.stream = stream;
        this.recall = recall;
    }

    /**
     * Runs one policy.
     *
     * @param progress      told about each scored token of the stream
     * @param recallProgress told the number of each register line read
     */
    public Row run(PolicyTemplates.Expanded policy, SessionOptions options, StreamingPerplexity.Listener progress,
                   IntConsumer recallProgress) {
        double[] stepMs = new double[stream.length()];
        int[] steps = {0};
        long[] kvBytes = {-1};
        StreamingPerplexity.Listener measure = new StreamingPerplexity.Listener() {
            @Override
            public void scored(long index, double nll, long feedNanos, StreamingSession session) {
                if (index > 0) { // token 0 is predicted from BOS alone: that step is a first prefill, not a decode
                    stepMs[steps[0]++] = feedNanos / 1e6;
                }
            }

            @Override
            public void finished(StreamingSession session) {
                kvBytes[0] = session.stats().allocatedBytes();
            }
        };
        PolicyResult perplexity = new StreamingPerplexity(model, stream.length())
                .evaluate(options, stream, measure.andThen(progress));
        double ms = steps[0] == 0 ? Double.NaN
                : Statistics.median(java.util.Arrays.copyOf(stepMs, steps[0]));
        List<StreamEval.DistanceResult> distances = recall.run(new SessionRecallProbe(model, options), recallProgress);
        return new Row(policy, perplexity, distances, ms, kvBytes[0]);
    }
}
