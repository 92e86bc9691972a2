package io.streamllm.model.blocks;

import io.streamllm.kv.BatchPlan;
import io.streamllm.kv.KvCache;
import io.streamllm.kv.KvStore;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.MatvecInput;

/**
 * The activations of one forward pass, allocated once per stream so that decoding allocates nothing.
 * Buffers hold a whole batch: row i of a buffer of width w is [i*w, (i+1)*w).
 */
public final class ForwardState {
    final int maxBatch;
    public final float[] x;        // residual stream
    public final float[] xb;       // normalized input of a block
    public final MatvecInput xbShared = new MatvecInput(); // decode: xb as the one input of q/k/v (or gate/up)
    public final float[] xb2;      // output of a block, before it is added to x
    public final float[] q;        // queries rotated at their absolute positions
    final float[] qSink;           // the same queries rotated at their in-cache positions (scored against sinks)
    public final float[] k;
    public final float[] v;
    public final float[] attention; // attention output, all heads
    public final float[] hidden;    // MLP gate, then gate * up
    public final float[] hidden2;   // MLP up
    final float[] cos;      // RoPE angles at each token's absolute position: row i holds its pairs
    final float[] sin;
    final float[] sinkCos;  // RoPE angles at each token's in-cache position (for the sinks)
    final float[] sinkSin;
    // Tokens kept by attention (H2O, SnapKV): allocated on the first batch that has some.
    float[] qRaw = new float[0];     // the queries before RoPE, rotated again for each kept key
    float[] qKept = new float[0];    // per head: the query rotated for the kept key being scored
    float[] keptCos = new float[0];  // per batch token and kept key: the angles of that rotation
    float[] keptSin = new float[0];
    double[] received;               // the cache's rows of attention received, when it selects by attention
    float[] scores;          // attention scores: one row per head, as long as the cache
    final boolean[] sinkRotated; // per batch token: whether the sinks need the second query rotation
    public final float[] finalRows; // normalized last rows, for the logits

    // The attention call in progress (its heads run on the pool's threads): set for the call, then cleared.
    Attention attentionOwner;
    KvStore layerStore;
    BatchPlan plan;         // what the batch in progress attends to (set by the forward pass for its duration)
    int keysPerRow;         // the stride of a head's scores: the most keys any token of the batch attends to
    int layerWindow;
    float[] layerSinkLogits;
    KvCache layerCache;     // the cache of the layer in progress: which store holds each KV head
    int layer;

    // Attention recording: null (and nothing allocated) unless an observer is attached.
    AttentionObserver observer;
    float[] observedWeights; // per batch token and head: its row of weights, a stride of keysPerRow
    long[] observedPositions;

    public ForwardState(ModelConfig config, int maxBatch) {
        this.maxBatch = maxBatch;
        int dim = config.embeddingLength();
        x = new float[maxBatch * dim];
        xb = new float[maxBatch * dim];
        xb2 = new float[maxBatch * dim];
        q = new float[maxBatch * config.queryLength()];
        qSink = new float[maxBatch * config.queryLength()];
        k = new float[maxBatch * config.kvLength()];
        v = new float[maxBatch * config.kvLength()];
        attention = new float[maxBatch * config.queryLength()];
        hidden = new float[maxBatch * config.feedForwardLength()];
        hidden2 = new float[maxBatch * config.feedForwardLength()];
        int pairs = config.position().ropePairs();
        cos = new float[maxBatch * pairs];
        sin = new float[maxBatch * pairs];
        sinkCos = new float[maxBatch * pairs];
        sinkSin = new float[maxBatch * pairs];
        scores = new float[0];
        sinkRotated = new boolean[maxBatch];
        finalRows = new float[maxBatch * dim];
    }

    public int maxBatch() {
        return maxBatch;
    }

    void attentionCall(Attention owner, KvStore store, int window, float[] sinkLogits) {
        this.attentionOwner = owner;
        this.layerWindow = window;
        this.layerSinkLogits = sinkLogits;
        this.layerStore = store;
    }

    /** Attaches {@code observer} to receive every attention weight of the following passes; null detaches. */
    public void observeAttention(AttentionObserver observer) {
        this.observer = observer;
        if (observer == null) {
            observedWeights = null;
            observedPositions = null;
        }
    }

    /** Buffers for the observed weights of a batch of {@code rows} (token, head) rows of {@code keys} entries. */
    void observedBuffers(int rows, int keys) {
        if (observedWeights == null || observedWeights.length < rows * keys) {
            observedWeights = new float[rows * keys];
        }
        if (observedPositions == null || observedPositions.length < keys) {
            observedPositions = new long[keys];
        }
    }

    /** Buffers for scoring {@code kept} kept keys from each of {@code count} tokens with {@code pairs} RoPE pairs. */
    void keptBuffers(int count, int kept, int pairs, int queryLength) {
        if (qRaw.length < maxBatch * queryLength) {
            qRaw = new float[maxBatch * queryLength];
            qKept = new float[queryLength];
        }
        if (keptCos.length < count * kept * pairs) {
            keptCos = new float[count * kept * pairs];
            keptSin = new float[count * kept * pairs];
        }
    }

    /** A scores buffer for {@code rows} rows of {@code keys} entries. */
    float[] scores(int rows, int keys) {
        if (scores.length < rows * keys) {
            // Doubling: under a cache that grows (dense, duo's retrieval heads) rows lengthen by a key per token.
            scores = new float[(int) Math.min(Integer.MAX_VALUE - 16, Math.max((long) rows * keys, 2L * scores.length))];
        }
        return scores;
    }
}
