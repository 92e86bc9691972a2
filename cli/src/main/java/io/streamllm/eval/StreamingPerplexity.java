package io.streamllm.eval;

import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.api.StreamllmException;

/**
 * Perplexity of a long stream under a cache policy, measured as the paper's {@code eval_long_ppl.py}
 * does: BOS first, then the stream one token at a time, each token scored by
 * -log p(token | what the policy keeps of everything before it).
 *
 * <p>A model without a BOS token starts the stream with its first token, which is then not scored.
 */
public final class StreamingPerplexity {

    /** Told about every scored token, e.g. to draw progress or log timings. */
    public interface Listener {
        /**
         * Token {@code index} of the stream has been scored.
         *
         * @param feedNanos time of the forward step whose logits predicted it (feeding the token before it)
         * @param session   the session, holding the context the token was predicted from
         */
        void scored(long index, double nll, long feedNanos, StreamingSession session);

        /** The last token has been scored. */
        default void finished(StreamingSession session) {
        }

        /** This listener, then {@code next}. */
        default Listener andThen(Listener next) {
            Listener first = this;
            return new Listener() {
                @Override
                public void scored(long index, double nll, long feedNanos, StreamingSession session) {
                    first.scored(index, nll, feedNanos, session);
                    next.scored(index, nll, feedNanos, session);
                }

                @Override
                public void finished(StreamingSession session) {
                    first.finished(session);
                    next.finished(session);
                }
            };
        }

        Listener NONE = (index, nll, feedNanos, session) -> { };
    }

    private final StreamingModel model;
    private final int bos;
    private final int segmentLength;

    /** @param segmentLength tokens per segment of the per-segment means */
    public StreamingPerplexity(StreamingModel model, int segmentLength) {
        if (segmentLength < 1) {
            throw new IllegalArgumentException("--segment must be at least 1, got " + segmentLength);
        }
        this.model = model;
        this.bos = model.tokenizer().specials().bos();
        this.segmentLength = segmentLength;
    }

    /** Scores {@code stream} in a new session of {@code options} (the cache policy, KV type and eviction chunk). */
    public PolicyResult evaluate(SessionOptions options, TokenStream stream, Listener listener) {
        int[] tokens = stream.tokens();
        int first = bos >= 0 ? 0 : 1;
        if (first >= tokens.length) {
            throw new StreamllmException("the stream " + stream.source() + " has no token to score after its first"
                    + " (the model has no BOS token to start it)");
        }
        StreamingSession session = model.newSession(options);
        NllAccumulator nll = new NllAccumulator(segmentLength);
        long start = System.nanoTime();
        session.append(first == 0 ? bos : tokens[0]);
        long feedNanos = System.nanoTime() - start;
        for (int i = first; i < tokens.length; i++) {
            double tokenNll = session.negativeLogLikelihood(tokens[i]);
            nll.add(tokenNll);
            listener.scored(i - first, tokenNll, feedNanos, session);
            if (i + 1 < tokens.length) { // the last token predicts nothing that is scored
                start = System.nanoTime();
                session.append(tokens[i]);
                feedNanos = System.nanoTime() - start;
            }
        }
        listener.finished(session);
        return new PolicyResult(options.policy().spec(), nll.count(), nll.mean(), nll.segments());
    }
}
