package io.streamllm.model;

import io.streamllm.kv.KvCache;
import io.streamllm.tensor.ArrayMath;
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
            maxKeys = Math.max(maxKeys, cache.visibleKeys(i));
        }
        int[] slots = st.keySlots(count, maxKeys);
        for (int i = 0; i < count; i++) {
            st.keyCounts[i] = cache.visibleSlots(i, slots, i * maxKeys);
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
        float[] cachedKeys = cache.keys(layer);
        float[] cachedValues = cache.values(layer);
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
        st.attentionCall(this, cachedKeys, cachedValues, cache.headStride(), count);
        try {
            long keys = 0;
            for (int i = 0; i < count; i++) {
                keys += st.keyCounts[i];
            }
            // Scores and the weighted sum of values: two multiply-adds per key, head and dimension.
            pool.forRange(config.headCount(), 1, ATTEND_HEADS, st, 2 * keys * config.headCount() * headDim);
        } finally {
            st.attentionCall(null, null, null, 0, 0);
        }
    }

    /** Heads [from, to) of every batch token; the call's inputs travel in the state (no allocation per call). */
    private static final Parallel.ArgumentTask<ForwardState> ATTEND_HEADS = (st, from, to) -> {
        for (int h = from; h < to; h++) {
            for (int i = 0; i < st.batchCount; i++) {
                st.attentionOwner.attendOneHead(h, i, st.layerKeys, st.layerValues, st.headStride, st, st.scores,
                        h * st.keysPerRow);
            }
        }
    };

    /** softmax(q . k / sqrt(d)) . v for head {@code h} of batch token {@code i}. */
    private void attendOneHead(int h, int i, float[] keys, float[] values, int headStride, ForwardState st,
                               float[] scores, int scoresOffset) {
        int qOffset = i * config.queryLength() + h * headDim;
        int kvHeadOffset = (h / groupSize) * headStride;
        int[] slots = st.keySlots;
        int slotsOffset = i * st.keysPerRow;
        int n = st.keyCounts[i];
        int sinks = st.sinkKeys[i];
        float[] sinkQuery = st.sinkRotated[i] ? st.qSink : st.q;

        for (int j = 0; j < n; j++) {
            float[] query = j < sinks ? sinkQuery : st.q;
            int key = kvHeadOffset + slots[slotsOffset + j] * headDim;
            scores[scoresOffset + j] = scale * ArrayMath.dot(query, qOffset, keys, key, headDim);
        }
        softmax(scores, scoresOffset, n);

        int out = i * config.queryLength() + h * headDim;
        java.util.Arrays.fill(st.attention, out, out + headDim, 0f);
        for (int j = 0; j < n; j++) {
            int value = kvHeadOffset + slots[slotsOffset + j] * headDim;
            ArrayMath.addScaled(st.attention, out, scores[scoresOffset + j], values, value, headDim);
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
