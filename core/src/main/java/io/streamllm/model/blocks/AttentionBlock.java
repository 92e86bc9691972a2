package io.streamllm.model.blocks;

import io.streamllm.kv.KvCache;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;

/**
 * The weights of one layer's attention: q, k, v and output projections (with optional biases; a fused QKV
 * tensor comes in as three row views of it), optional per-head q/k norms (Qwen3) and optional sink logits
 * (gpt-oss: one per head, {@code blk.N.attn_sinks.weight}).
 */
public record AttentionBlock(Linear q, Linear k, Linear v, Linear output, Norm queryNorm, Norm keyNorm,
                             float[] sinkLogits) {

    /** The separate {@code attn_q/k/v/output} tensors of layer {@code layer}, and its sink logits if it has them. */
    public static AttentionBlock load(Weights weights, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        int dim = config.embeddingLength();
        return new AttentionBlock(
                Linear.load(weights, p + "attn_q", dim, config.queryLength()),
                Linear.load(weights, p + "attn_k", dim, config.kvLength()),
                Linear.load(weights, p + "attn_v", dim, config.kvLength()),
                Linear.load(weights, p + "attn_output", config.queryLength(), dim),
                null, null, weights.optionalVector(p + "attn_sinks.weight", config.headCount()));
    }

    public AttentionBlock withHeadNorms(Norm newQueryNorm, Norm newKeyNorm) {
        return new AttentionBlock(q, k, v, output, newQueryNorm, newKeyNorm, sinkLogits);
    }

    /** Reads the block's input from {@code st.xb} and writes its output to {@code st.xb2}. */
    public void apply(int layer, Attention attention, KvCache cache, ForwardState st, int count, int width,
                      Parallel pool) {
        MatvecInput h = st.xbShared.set(st.xb, width);
        q.apply(h, count, st.q, pool);
        k.apply(h, count, st.k, pool);
        v.apply(h, count, st.v, pool);
        float clamp = attention.config().attention().clampQkv();
        if (clamp > 0) {
            // MPT clamps the fused QKV output, which is the same as clamping each of q, k and v.
            ModelConfig c = attention.config();
            clamp(st.q, count * c.queryLength(), clamp);
            clamp(st.k, count * c.kvLength(), clamp);
            clamp(st.v, count * c.kvLength(), clamp);
        }
        if (queryNorm != null) {
            ModelConfig c = attention.config();
            queryNorm.apply(st.q, st.q, count * c.headCount());
            keyNorm.apply(st.k, st.k, count * c.headCountKv());
        }
        attention.run(layer, sinkLogits, cache, st, pool);
        output.apply(st.attention, count, st.xb2, pool);
    }

    private static void clamp(float[] x, int n, float limit) {
        for (int i = 0; i < n; i++) {
            x[i] = Math.clamp(x[i], -limit, limit);
        }
    }

    public long byteSize() {
        return q.byteSize() + k.byteSize() + v.byteSize() + output.byteSize();
    }
}
