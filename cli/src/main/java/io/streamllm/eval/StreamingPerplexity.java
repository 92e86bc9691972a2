package io.streamllm.eval;

import io.streamllm.api.StreamllmException;
import io.streamllm.engine.LogProbabilities;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.model.Model;
import io.streamllm.model.Transformer;

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
        void scored(long index, double nll, long feedNanos, Session session);

        /** The last token has been scored. */
        default void finished(Session session) {
        }

        /** This listener, then {@code next}. */
        default Listener andThen(Listener next) {
            Listener first = this;
            return new Listener() {
                @Override
                public void scored(long index, double nll, long feedNanos, Session session) {
                    first.scored(index, nll, feedNanos, session);
                    next.scored(index, nll, feedNanos, session);
                }

                @Override
                public void finished(Session session) {
                    first.finished(session);
                    next.finished(session);
                }
            };
        }

        Listener NONE = (index, nll, feedNanos, session) -> { };
    }

    private final Transformer network;
    private final int bos;
    private final int segmentLength;
    private final int evictChunk;
    private final KvType kvType;

    /**
     * @param segmentLength tokens per segment of the per-segment means
     * @param evictChunk    tokens evicted at once when the window overflows (1: the paper's per-token eviction)
     */
    public StreamingPerplexity(Model model, int segmentLength, int evictChunk) {
        this(model, segmentLength, evictChunk, KvType.F32);
    }

    /** As above, with KV caches that store keys and values as {@code kvType}. */
    public StreamingPerplexity(Model model, int segmentLength, int evictChunk, KvType kvType) {
        if (segmentLength < 1) {
            throw new IllegalArgumentException("--segment must be at least 1, got " + segmentLength);
        }
        if (evictChunk < 1) {
            throw new IllegalArgumentException("--evict-chunk must be at least 1, got " + evictChunk);
        }
        this.network = model.network();
        this.bos = model.tokenizer().specials().bos();
        this.segmentLength = segmentLength;
        this.evictChunk = evictChunk;
        this.kvType = kvType;
    }

    public PolicyResult evaluate(CachePolicy policy, TokenStream stream, Listener listener) {
        int[] tokens = stream.tokens();
        int first = bos >= 0 ? 0 : 1;
        if (first >= tokens.length) {
            throw new StreamllmException("the stream " + stream.source() + " has no token to score after its first"
                    + " (the model has no BOS token to start it)");
        }
        Session session = new Session(network, policy, Session.DEFAULT_PREFILL_CHUNK, evictChunk, kvType);
        NllAccumulator nll = new NllAccumulator(segmentLength);
        long start = System.nanoTime();
        float[] logits = session.feed(first == 0 ? bos : tokens[0]);
        long feedNanos = System.nanoTime() - start;
        for (int i = first; i < tokens.length; i++) {
            double tokenNll = LogProbabilities.negativeLogLikelihood(logits, tokens[i]);
            nll.add(tokenNll);
            listener.scored(i - first, tokenNll, feedNanos, session);
            if (i + 1 < tokens.length) { // the last token predicts nothing that is scored
                start = System.nanoTime();
                logits = session.feed(tokens[i]);
                feedNanos = System.nanoTime() - start;
            }
        }
        listener.finished(session);
        return new PolicyResult(policy.spec(), nll.count(), nll.mean(), nll.segments());
    }
}
