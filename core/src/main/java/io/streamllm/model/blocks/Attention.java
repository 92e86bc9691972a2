package io.streamllm.model.blocks;

import io.streamllm.kv.BatchPlan;
import io.streamllm.kv.KvCache;
import io.streamllm.kv.KvStore;
import io.streamllm.model.AttentionSpec;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.Parallel;

import java.util.Arrays;

/**
 * Causal grouped-query attention over a {@link KvCache}, with RoPE applied as the cache's
 * position scheme requires: keys once at their absolute positions, queries at their absolute
 * position (for the window) and, once sinks sit closer than their true distance, a second time
 * at the in-cache position (for the sinks).
 *
 * <p>What each token sees comes from the cache as one {@link BatchPlan} per batch. Options
 * ({@link AttentionSpec}): the query scale, soft-capping of the scores, a sliding window on some layers, and
 * per-head sink logits. A sliding layer measures distances inside the cache, as llama.cpp does: it sees the
 * window keys closer than its window and the sinks whose in-cache distance is below it, so with sinks +
 * cache window no longer than the model's window it sees the sinks and the whole cache window.
 */
public final class Attention {
    private final ModelConfig config;
    private final AttentionSpec spec;
    private final Rope rope;
    private final Alibi alibi;
    private final int headDim;
    private final int groupSize;

    public Attention(ModelConfig config) {
        this.config = config;
        this.spec = config.attention();
        this.rope = config.rope() == null ? null : new Rope(config.rope(), config.headDim());
        float alibiMaxBias = config.position().alibiMaxBias();
        this.alibi = alibiMaxBias > 0 ? new Alibi(config.headCount(), alibiMaxBias) : null;
        this.headDim = config.headDim();
        this.groupSize = config.headCount() / config.headCountKv();
    }

    public ModelConfig config() {
        return config;
    }

    /**
     * Takes the batch's plan for all layers and works out the RoPE angles of its tokens: at their positions
     * in the stream, and at their in-cache positions for the sinks.
     */
    public void prepareBatch(BatchPlan plan, ForwardState st) {
        st.plan = plan;
        int pairs = rope == null ? 0 : rope.pairs();
        int maxKeys = 0;
        for (int i = 0; i < plan.count(); i++) {
            st.sinkRotated[i] = rope != null && plan.sinkEnd(i) > 0 && plan.cachePosition(i) != plan.position(i);
            if (rope != null) {
                rope.angles(plan.position(i), st.cos, st.sin, i * pairs);
                if (st.sinkRotated[i]) {
                    rope.angles(plan.cachePosition(i), st.sinkCos, st.sinkSin, i * pairs);
                }
            }
            maxKeys = Math.max(maxKeys, plan.keys(i));
            if (plan.splitsHeads()) {
                maxKeys = (int) Math.max(maxKeys, plan.position(i) + 1); // a retrieval head sees every token
            }
        }
        st.keysPerRow = maxKeys;
        int kept = plan.keptCount();
        if (kept > 0) {
            st.keptBuffers(plan.count(), kept, pairs, config.queryLength());
            for (int i = 0; rope != null && i < plan.count(); i++) {
                for (int r = 0; r < kept; r++) {
                    rope.angles(plan.keptQueryPosition(i, r), st.keptCos, st.keptSin, (i * kept + r) * pairs);
                }
            }
        }
        st.received = plan.receivedRows(config.headCount());
    }

    /**
     * Rotates the batch's queries and keys (in {@code st.q, st.k}), stores keys and values in the
     * cache, and writes the attention output of every head to {@code st.attention}.
     *
     * @param sinkLogits one learned logit per head that joins each softmax's denominator (gpt-oss), or null
     */
    public void run(int layer, float[] sinkLogits, KvCache cache, ForwardState st, Parallel pool) {
        BatchPlan plan = st.plan;
        int count = plan.count();
        int qLength = config.queryLength();
        int kvLength = config.kvLength();
        int pairs = rope == null ? 0 : rope.pairs();
        KvStore store = cache.layer(layer);
        for (int i = 0; i < count; i++) {
            if (plan.keptCount() > 0) {
                System.arraycopy(st.q, i * qLength, st.qRaw, i * qLength, qLength);
            }
            if (rope != null) {
                if (st.sinkRotated[i]) {
                    System.arraycopy(st.q, i * qLength, st.qSink, i * qLength, qLength);
                    rope.rotate(st.qSink, i * qLength, config.headCount(), st.sinkCos, st.sinkSin, i * pairs);
                }
                rope.rotate(st.q, i * qLength, config.headCount(), st.cos, st.sin, i * pairs);
                rope.rotate(st.k, i * kvLength, config.headCountKv(), st.cos, st.sin, i * pairs);
            }
            cache.write(layer, plan.slot(i), plan.position(i), st.k, st.v, i * kvLength);
        }
        st.scores(config.headCount(), st.keysPerRow);
        if (st.observer != null) {
            st.observedBuffers(count * config.headCount(), st.keysPerRow);
        }
        st.attentionCall(this, store, spec.windowOf(layer), sinkLogits);
        st.layerCache = cache;
        st.layer = layer;
        try {
            long keys = 0;
            for (int i = 0; i < count; i++) {
                keys += plan.keys(i);
            }
            // Scores and the weighted sum of values: two multiply-adds per key, head and dimension.
            pool.forRange(config.headCount(), 1, ATTEND_HEADS, st, 2 * keys * config.headCount() * headDim);
            if (st.observer != null) {
                reportWeights(layer, st);
            }
        } finally {
            st.attentionCall(null, null, 0, null);
            st.layerCache = null;
        }
    }

    /**
     * Hands the weights copied by {@link #attendOneHead} to the observer, one (token, head) at a time, with the
     * stream position of each key: sink slot s holds position s, and window key j of n sits n - 1 - j before
     * the query.
     */
    private void reportWeights(int layer, ForwardState st) {
        BatchPlan plan = st.plan;
        int window = st.layerWindow;
        long[] positions = st.observedPositions;
        for (int i = 0; i < plan.count(); i++) {
            for (int h = 0; h < config.headCount(); h++) {
                int keys = st.layerCache.isRetrievalHead(layer, h / groupSize)
                        ? everyTokenPositions(plan.position(i), window, positions)
                        : cachedPositions(plan, i, window, positions);
                st.observer.observe(layer, h, plan.position(i), st.observedWeights,
                        (i * config.headCount() + h) * st.keysPerRow, positions, keys);
            }
        }
    }

    /** The stream positions of the keys token i sees in the cache: sinks, kept tokens, window. Returns how many. */
    private static int cachedPositions(BatchPlan plan, int i, int window, long[] positions) {
        int firstSink = plan.firstSink(i, window);
        int sinks = plan.sinkEnd(i) - firstSink;
        int firstKept = plan.firstKept(i, window);
        int kept = plan.keptCount() - firstKept;
        int windowKeys = plan.windowKeys(i, window);
        for (int s = 0; s < sinks; s++) {
            positions[s] = firstSink + s;
        }
        for (int r = 0; r < kept; r++) {
            positions[sinks + r] = plan.keptPosition(firstKept + r);
        }
        for (int j = 0; j < windowKeys; j++) {
            positions[sinks + kept + j] = plan.position(i) - (windowKeys - 1 - j);
        }
        return sinks + kept + windowKeys;
    }

    /** The stream positions a retrieval head sees from the query at {@code position}: every token in its window. */
    private static int everyTokenPositions(long position, int window, long[] positions) {
        int keys = (int) Math.min(position + 1, window);
        for (int j = 0; j < keys; j++) {
            positions[j] = position + 1 - keys + j;
        }
        return keys;
    }

    /** Heads [from, to) of every batch token; the call's inputs travel in the state (no allocation per call). */
    private static final Parallel.ArgumentTask<ForwardState> ATTEND_HEADS = (st, from, to) -> {
        for (int h = from; h < to; h++) {
            for (int i = 0; i < st.plan.count(); i++) {
                st.attentionOwner.attendOneHead(h, i, st, h * st.keysPerRow);
            }
        }
    };

    /**
     * softmax(q . k * scale) . v for head {@code h} of batch token {@code i}. Its keys are the sinks (slots
     * 0..), scored with the sink query, then the tokens kept by attention (each scored with the query rotated
     * for its in-cache distance), then its window: a run of slots that may wrap from the ring's end to its
     * start. Scores are kept in that order.
     */
    private void attendOneHead(int h, int i, ForwardState st, int scoresOffset) {
        BatchPlan plan = st.plan;
        KvStore store = st.layerStore;
        float[] scores = st.scores;
        float scale = spec.queryScale();
        int qOffset = i * config.queryLength() + h * headDim;
        if (st.layerCache.isRetrievalHead(st.layer, h / groupSize)) {
            attendEveryToken(h, i, st, scoresOffset);
            return;
        }
        int kvHead = st.layerCache.indexInStore(st.layer, h / groupSize);
        int window = st.layerWindow;
        int firstSink = plan.firstSink(i, window);
        int sinks = plan.sinkEnd(i) - firstSink;
        int firstKept = plan.firstKept(i, window);
        int kept = plan.keptCount() - firstKept;
        int keptOffset = scoresOffset + sinks;
        int windowKeys = plan.windowKeys(i, window);
        int first = plan.windowFirstSlot(i, window);
        int n = sinks + kept + windowKeys;
        int beforeWrap = Math.min(windowKeys, plan.ringEnd() - first);
        int windowOffset = keptOffset + kept;

        if (sinks > 0) {
            store.keyScores(kvHead, st.sinkRotated[i] ? st.qSink : st.q, qOffset, scale, firstSink, sinks, scores,
                    scoresOffset);
        }
        for (int r = 0; r < kept; r++) {
            int rank = firstKept + r;
            float[] query = st.q;
            int offset = qOffset;
            if (rope != null) {
                query = st.qKept;
                offset = h * headDim;
                System.arraycopy(st.qRaw, qOffset, query, offset, headDim);
                rope.rotate(query, offset, 1, st.keptCos, st.keptSin, (i * plan.keptCount() + rank) * rope.pairs());
            }
            store.keyScores(kvHead, query, offset, scale, plan.keptSlot(rank), 1, scores, keptOffset + r);
        }
        store.keyScores(kvHead, st.q, qOffset, scale, first, beforeWrap, scores, windowOffset);
        if (beforeWrap < windowKeys) {
            store.keyScores(kvHead, st.q, qOffset, scale, plan.ringStart(), windowKeys - beforeWrap, scores,
                    windowOffset + beforeWrap);
        }
        if (alibi != null) {
            // In-cache distances: the sinks sit at cache positions firstSink.., the window runs up to the query.
            alibi.addToRun(scores, scoresOffset, sinks, h, plan.cachePosition(i) - firstSink);
            alibi.addToRun(scores, keptOffset, kept, h, plan.cachePosition(i) - plan.sinkEnd(i) - firstKept);
            alibi.addToRun(scores, windowOffset, windowKeys, h, windowKeys - 1);
        }
        normalize(h, i, st, scoresOffset, n);

        if (st.received != null) {
            addReceived(st.received, h * plan.receivedStride(), scores, scoresOffset, plan, firstSink, sinks,
                    firstKept, kept, first, beforeWrap, windowKeys);
        }

        int out = i * config.queryLength() + h * headDim;
        Arrays.fill(st.attention, out, out + headDim, 0f);
        store.addValues(kvHead, scores, scoresOffset, firstSink, sinks, st.attention, out);
        for (int r = 0; r < kept; r++) {
            store.addValues(kvHead, scores, keptOffset + r, plan.keptSlot(firstKept + r), 1, st.attention, out);
        }
        store.addValues(kvHead, scores, windowOffset, first, beforeWrap, st.attention, out);
        if (beforeWrap < windowKeys) {
            store.addValues(kvHead, scores, windowOffset + beforeWrap, plan.ringStart(), windowKeys - beforeWrap,
                    st.attention, out);
        }
    }

    /**
     * A retrieval head of a duo cache: softmax(q . k * scale) . v over every token in the layer's window, keys
     * at their stream positions (slot = position), scored with the query at its own.
     */
    private void attendEveryToken(int h, int i, ForwardState st, int scoresOffset) {
        KvStore store = st.layerCache.retrievalLayer(st.layer);
        int head = st.layerCache.indexInStore(st.layer, h / groupSize);
        int qOffset = i * config.queryLength() + h * headDim;
        long position = st.plan.position(i);
        int n = (int) Math.min(position + 1, st.layerWindow);
        int from = (int) (position + 1 - n);
        store.keyScores(head, st.q, qOffset, spec.queryScale(), from, n, st.scores, scoresOffset);
        if (alibi != null) {
            alibi.addToRun(st.scores, scoresOffset, n, h, n - 1);
        }
        normalize(h, i, st, scoresOffset, n);
        int out = i * config.queryLength() + h * headDim;
        Arrays.fill(st.attention, out, out + headDim, 0f);
        store.addValues(head, st.scores, scoresOffset, from, n, st.attention, out);
    }

    /** Soft-caps the scores of head h of token i, turns them into weights, and keeps a copy for the observer. */
    private void normalize(int h, int i, ForwardState st, int scoresOffset, int n) {
        if (spec.logitSoftcap() > 0) {
            softcap(st.scores, scoresOffset, n, spec.logitSoftcap());
        }
        softmax(st.scores, scoresOffset, n, st.layerSinkLogits == null ? Float.NEGATIVE_INFINITY : st.layerSinkLogits[h]);
        if (st.observer != null) {
            // The scores row is reused by the batch's next token: keep a copy for the observer.
            System.arraycopy(st.scores, scoresOffset, st.observedWeights, (i * config.headCount() + h) * st.keysPerRow, n);
        }
    }

    /** Adds one query's weights (sinks, kept, window, as scored) to its head's row of attention received, by slot. */
    private static void addReceived(double[] received, int row, float[] weights, int offset, BatchPlan plan,
                                    int firstSink, int sinks, int firstKept, int kept, int windowFirst,
                                    int beforeWrap, int windowKeys) {
        for (int s = 0; s < sinks; s++) {
            received[row + firstSink + s] += weights[offset + s];
        }
        offset += sinks;
        for (int r = 0; r < kept; r++) {
            received[row + plan.keptSlot(firstKept + r)] += weights[offset + r];
        }
        offset += kept;
        for (int j = 0; j < windowKeys; j++) {
            int slot = j < beforeWrap ? windowFirst + j : plan.ringStart() + j - beforeWrap;
            received[row + slot] += weights[offset + j];
        }
    }

    /** x = cap * tanh(x / cap). */
    static void softcap(float[] x, int offset, int n, float cap) {
        for (int i = 0; i < n; i++) {
            x[offset + i] = cap * (float) Math.tanh(x[offset + i] / cap);
        }
    }

    /**
     * Softmax of {@code x[offset, offset + n)} in place, with one more logit, {@code sinkLogit}, in the
     * denominator only (learned sink logits; negative infinity for none): its share of the mass is dropped.
     */
    static void softmax(float[] x, int offset, int n, float sinkLogit) {
        float max = sinkLogit;
        for (int i = 0; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        float sum = (float) Math.exp(sinkLogit - max);
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
