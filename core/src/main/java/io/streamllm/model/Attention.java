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

    /** Computes the RoPE angles of the batch once for all layers. */
    void prepareBatch(KvCache cache, ForwardState st, int count) {
        int pairs = rope.pairs();
        for (int i = 0; i < count; i++) {
            rope.angles(cache.nextPosition() + i, st.cos, st.sin, i * pairs);
            rope.angles(cache.sinkQueryPosition(i), st.sinkCos, st.sinkSin, i * pairs);
        }
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
            if (needsSinkRotation(cache, i)) {
                System.arraycopy(st.q, i * qLength, st.qSink, i * qLength, qLength);
                rope.rotate(st.qSink, i * qLength, config.headCount(), st.sinkCos, st.sinkSin, i * pairs);
            }
            rope.rotate(st.q, i * qLength, config.headCount(), st.cos, st.sin, i * pairs);
            rope.rotate(st.k, i * kvLength, config.headCountKv(), st.cos, st.sin, i * pairs);
            int slot = cache.slot(cache.nextPosition() + i);
            System.arraycopy(st.k, i * kvLength, cachedKeys, slot * kvLength, kvLength);
            System.arraycopy(st.v, i * kvLength, cachedValues, slot * kvLength, kvLength);
        }
        int maxKeys = 0;
        for (int i = 0; i < count; i++) {
            maxKeys = Math.max(maxKeys, keysSeenBy(cache, i));
        }
        int keysPerRow = maxKeys;
        float[] scores = st.scores(config.headCount(), keysPerRow);
        pool.forRange(config.headCount(), (from, to) -> {
            for (int h = from; h < to; h++) {
                for (int i = 0; i < count; i++) {
                    attendOneHead(h, i, cache, cachedKeys, cachedValues, st, scores, h * keysPerRow);
                }
            }
        });
    }

    private static boolean needsSinkRotation(KvCache cache, int i) {
        return cache.visibleSinks(i) > 0 && cache.sinkQueryPosition(i) != cache.nextPosition() + i;
    }

    private static int keysSeenBy(KvCache cache, int i) {
        long position = cache.nextPosition() + i;
        long windowKeys = Math.max(0, position - cache.visibleWindowStart(i) + 1);
        return (int) (cache.visibleSinks(i) + windowKeys);
    }

    private void attendOneHead(int h, int i, KvCache cache, float[] keys, float[] values, ForwardState st,
                               float[] scores, int scoresOffset) {
        int qLength = config.queryLength();
        int kvLength = config.kvLength();
        int qOffset = i * qLength + h * headDim;
        int kvHeadOffset = (h / groupSize) * headDim;
        long position = cache.nextPosition() + i;
        int sinks = cache.visibleSinks(i);
        float[] sinkQuery = needsSinkRotation(cache, i) ? st.qSink : st.q;

        int n = 0;
        for (int s = 0; s < sinks; s++) {
            scores[scoresOffset + n++] = scale * dot(sinkQuery, qOffset, keys, s * kvLength + kvHeadOffset);
        }
        for (long p = cache.visibleWindowStart(i); p <= position; p++) {
            int slot = cache.slot(p);
            scores[scoresOffset + n++] = scale * dot(st.q, qOffset, keys, slot * kvLength + kvHeadOffset);
        }
        softmax(scores, scoresOffset, n);

        int out = i * qLength + h * headDim;
        java.util.Arrays.fill(st.attention, out, out + headDim, 0f);
        int j = 0;
        for (int s = 0; s < sinks; s++) {
            accumulate(st.attention, out, scores[scoresOffset + j++], values, s * kvLength + kvHeadOffset);
        }
        for (long p = cache.visibleWindowStart(i); p <= position; p++) {
            int slot = cache.slot(p);
            accumulate(st.attention, out, scores[scoresOffset + j++], values, slot * kvLength + kvHeadOffset);
        }
    }

    private float dot(float[] a, int aOffset, float[] b, int bOffset) {
        return ArrayMath.dot(a, aOffset, b, bOffset, headDim);
    }

    private void accumulate(float[] out, int outOffset, float weight, float[] v, int vOffset) {
        ArrayMath.addScaled(out, outOffset, weight, v, vOffset, headDim);
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
