package io.streamllm.model.blocks;

import io.streamllm.kv.KvCache;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.ArrayMath;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * The sequential pre-norm layer loop of the Llama family: x += attention(norm(x)); x += ffn(norm(x)), and with
 * sandwich norms (Gemma 2) each block's output normalized again before it joins the residual.
 * Llama, Qwen2/3, Mistral, Phi-3 and Gemma 2 differ only in how their weights are bound, not in this loop.
 */
public final class PreNormDecoder extends Decoder {

    /** One layer's weights; the post-norms are null without sandwich norms. */
    public record Layer(Norm attentionNorm, AttentionBlock attention, Norm postAttentionNorm, Norm ffnNorm, Ffn ffn,
                        Norm postFfnNorm) {

        public Layer(Norm attentionNorm, AttentionBlock attention, Norm ffnNorm, Ffn ffn) {
            this(attentionNorm, attention, null, ffnNorm, ffn, null);
        }
    }

    private final Layer[] layers;

    public PreNormDecoder(ModelConfig config, WeightMatrix tokenEmbedding, Layer[] layers, Norm outputNorm,
                          WeightMatrix output, Parallel pool) {
        super(config, tokenEmbedding, outputNorm, output, pool);
        this.layers = layers;
    }

    @Override
    protected void layer(int l, KvCache cache, ForwardState st, int count) {
        int dim = config.embeddingLength();
        Layer layer = layers[l];
        layer.attentionNorm.apply(st.xb, st.x, count);
        layer.attention.apply(l, attention, cache, st, count, dim, pool);
        if (layer.postAttentionNorm != null) {
            layer.postAttentionNorm.apply(st.xb2, st.xb2, count);
        }
        ArrayMath.add(st.x, st.xb2, count * dim);

        layer.ffnNorm.apply(st.xb, st.x, count);
        layer.ffn.apply(st, count, dim, pool);
        if (layer.postFfnNorm != null) {
            layer.postFfnNorm.apply(st.xb2, st.xb2, count);
        }
        ArrayMath.add(st.x, st.xb2, count * dim);
    }

    @Override
    protected long layerBytes() {
        long bytes = 0;
        for (Layer layer : layers) {
            bytes += layer.attention.byteSize() + layer.ffn.byteSize();
        }
        return bytes;
    }
}
