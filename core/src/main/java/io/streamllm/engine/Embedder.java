package io.streamllm.engine;

import io.streamllm.kv.CachePolicy;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.ForwardState;

/**
 * A sentence embedding from a decoder's last hidden states (after the final norm): their mean, the first
 * token's or the last token's, scaled to unit length. The text runs through a cache of its own; a text longer
 * than the model's context streams through a sink cache (4 sinks and the rest of the context as window).
 */
public final class Embedder {
    /** How the hidden states of the tokens are pooled into one vector. */
    public enum Pooling { MEAN, FIRST, LAST }

    private static final int SINKS = 4;

    private Embedder() {
    }

    /**
     * The unit-length embedding of {@code tokens}, run in batches of up to {@code chunk} tokens.
     *
     * @throws IllegalArgumentException when there are no tokens
     */
    public static float[] embed(Transformer network, int[] tokens, Pooling pooling, int chunk) {
        float[] pooled = pool(network, tokens, pooling, chunk);
        normalize(pooled);
        return pooled;
    }

    /** The pooled hidden states of {@code tokens}, not normalized. */
    public static float[] pool(Transformer network, int[] tokens, Pooling pooling, int chunk) {
        if (tokens.length == 0) {
            throw new IllegalArgumentException("nothing to embed: no tokens");
        }
        int dim = network.config().embeddingLength();
        int context = network.config().contextLength();
        int batch = Math.max(1, Math.min(chunk, tokens.length));
        CachePolicy policy = tokens.length <= context || context <= SINKS + batch
                ? new DensePolicy() : new SinkWindowPolicy(SINKS, context - SINKS);
        KvCache cache = new KvCache(network.config().kvShape(), policy, 1, batch);
        ForwardState state = network.newState(batch);
        double[] sum = new double[dim];
        for (int done = 0; done < tokens.length; ) {
            int n = Math.min(batch, tokens.length - done);
            network.forwardHidden(tokens, done, n, cache, state);
            for (int row = 0; row < n; row++) {
                int token = done + row;
                boolean wanted = switch (pooling) {
                    case MEAN -> true;
                    case FIRST -> token == 0;
                    case LAST -> token == tokens.length - 1;
                };
                if (wanted) {
                    for (int i = 0; i < dim; i++) {
                        sum[i] += state.finalRows[row * dim + i];
                    }
                }
            }
            done += n;
        }
        float[] pooled = new float[dim];
        double divisor = pooling == Pooling.MEAN ? tokens.length : 1;
        for (int i = 0; i < dim; i++) {
            pooled[i] = (float) (sum[i] / divisor);
        }
        return pooled;
    }

    /** Scales {@code vector} to unit Euclidean length (a zero vector stays zero). */
    static void normalize(float[] vector) {
        double squares = 0;
        for (float x : vector) {
            squares += (double) x * x;
        }
        if (squares == 0) {
            return;
        }
        double scale = 1 / Math.sqrt(squares);
        for (int i = 0; i < vector.length; i++) {
            vector[i] = (float) (vector[i] * scale);
        }
    }
}
