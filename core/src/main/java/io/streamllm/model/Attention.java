package io.streamllm.model;

import io.streamllm.kv.KvCache;
import io.streamllm.kv.KvStore;
import io.streamllm.tensor.Parallel;

/**
 * Causal grouped-query attention over a {@link KvCache}, with RoPE applied as the cache's
 * position scheme requires: keys once at their absolute positions, queries at their absolute
 * position (for the window) and, once sinks sit closer than their true distance, a second time
 * at the in-cache position (for the sinks).
 */
final class Attention {
    private final ModelConfig config;
    private final Rope rope;
    private final int headDim;
    private final int groupSize;
    private final float scale;

    Attention(ModelConfig config) {
        this.config = config;
        this.rope = new Rope(config.rope(), config.headDim());
        this.headDim = config.headDim();
        this.groupSize = config.headCount() / config.headCountKv();
        this.scale = (float) (1.0 / Math.sqrt(headDim));
    }

    /**
     * Works out, once for all layers, what each token of the batch attends to and at which RoPE
     * angles: the same in every layer.
     */
    void prepareBatch(KvCache cache, ForwardState st, int count) {
        int pairs = rope.pairs();
        int maxKeys = 0;
        for (int i = 0; i < count; i++) {
            long position = cache.nextPosition() + i;
            rope.angles(position, st.cos, st.sin, i * pairs);
            st.sinkKeys[i] = cache.visibleSinks(i);
            st.sinkRotated[i] = st.sinkKeys[i] > 0 && cache.sinkQueryPosition(i) != position;
            if (st.sinkRotated[i]) {
                rope.angles(cache.sinkQueryPosition(i), st.sinkCos, st.sinkSin, i * pairs);
            }
            st.keyCounts[i] = cache.visibleKeys(i);
            st.windowSlots[i] = cache.visibleWindowSlot(i);
            maxKeys = Math.max(maxKeys, st.keyCounts[i]);
        }
        st.keysPerRow = maxKeys;
    }

    /**
     * Rotates the batch's queries and keys (in {@code st.q, st.k}), stores keys and values in the
     * cache, and writes the attention output of every head to {@code st.attention}.
     */
    void run(int layer, KvCache cache, ForwardState st, int count, Parallel pool) {
        int qLength = config.queryLength();
        int kvLength = config.kvLength();
        int pairs = rope.pairs();
        for (int i = 0; i < count; i++) {
            if (st.sinkRotated[i]) {
                System.arraycopy(st.q, i * qLength, st.qSink, i * qLength, qLength);
                rope.rotate(st.qSink, i * qLength, config.headCount(), st.sinkCos, st.sinkSin, i * pairs);
            }
            rope.rotate(st.q, i * qLength, config.headCount(), st.cos, st.sin, i * pairs);
            rope.rotate(st.k, i * kvLength, config.headCountKv(), st.cos, st.sin, i * pairs);
            cache.store(layer, cache.slot(cache.nextPosition() + i), st.k, st.v, i * kvLength);
        }
        st.scores(config.headCount(), st.keysPerRow);
        st.attentionCall(this, cache.layer(layer), cache.ringStart(), cache.ringEnd(), count);
        try {
            long keys = 0;
            for (int i = 0; i < count; i++) {
                keys += st.keyCounts[i];
            }
            // Scores and the weighted sum of values: two multiply-adds per key, head and dimension.
            pool.forRange(config.headCount(), 1, ATTEND_HEADS, st, 2 * keys * config.headCount() * headDim);
        } finally {
            st.attentionCall(null, null, 0, 0, 0);
        }
    }

    /** Heads [from, to) of every batch token; the call's inputs travel in the state (no allocation per call). */
    private static final Parallel.ArgumentTask<ForwardState> ATTEND_HEADS = (st, from, to) -> {
        for (int h = from; h < to; h++) {
            for (int i = 0; i < st.batchCount; i++) {
                st.attentionOwner.attendOneHead(h, i, st, h * st.keysPerRow);
            }
        }
    };

    /**
     * softmax(q . k / sqrt(d)) . v for head {@code h} of batch token {@code i}. Its keys are the sinks (slots
     * 0..), scored with the sink query, then its window: a run of slots that may wrap from the ring's end
     * to its start. Scores are kept in that order.
     */
    private void attendOneHead(int h, int i, ForwardState st, int scoresOffset) {
        KvStore store = st.layerStore;
        float[] scores = st.scores;
        int qOffset = i * config.queryLength() + h * headDim;
        int kvHead = h / groupSize;
        int n = st.keyCounts[i];
        int sinks = st.sinkKeys[i];
        int windowKeys = n - sinks;
        int first = st.windowSlots[i];
        int beforeWrap = Math.min(windowKeys, st.ringEnd - first);
        int windowOffset = scoresOffset + sinks;

        if (sinks > 0) {
            store.keyScores(kvHead, st.sinkRotated[i] ? st.qSink : st.q, qOffset, scale, 0, sinks, scores, scoresOffset);
        }
        store.keyScores(kvHead, st.q, qOffset, scale, first, beforeWrap, scores, windowOffset);
        if (beforeWrap < windowKeys) {
            store.keyScores(kvHead, st.q, qOffset, scale, st.ringStart, windowKeys - beforeWrap, scores,
                    windowOffset + beforeWrap);
        }
        softmax(scores, scoresOffset, n);

        int out = i * config.queryLength() + h * headDim;
        java.util.Arrays.fill(st.attention, out, out + headDim, 0f);
        store.addValues(kvHead, scores, scoresOffset, 0, sinks, st.attention, out);
        store.addValues(kvHead, scores, windowOffset, first, beforeWrap, st.attention, out);
        if (beforeWrap < windowKeys) {
            store.addValues(kvHead, scores, windowOffset + beforeWrap, st.ringStart, windowKeys - beforeWrap,
                    st.attention, out);
        }
    }

    private static void softmax(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        float sum = 0;
        for (int i = 0; i < n; i++) {
            float e = (float) Math.exp(x[offset + i] - max);
            x[offset + i] = e;
            sum += e;
        }
        float inverse = 1f / sum;
        for (int i = 0; i < n; i++) {
            x[offset + i] *= inverse;
        }
    }
}
