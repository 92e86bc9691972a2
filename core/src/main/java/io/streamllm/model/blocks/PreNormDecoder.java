package io.streamllm.model.blocks;

import io.streamllm.kv.KvCache;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.ArrayMath;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * The pre-norm layer loop. Sequential, as the Llama family and MPT: x += attention(norm(x)); x += ffn(norm(x)),
 * and with sandwich norms (Gemma 2) each block's output normalized again before it joins the residual. With the
 * layout's parallel residual (GPT-NeoX, Falcon) both branches read the layer's input:
 * x += attention(norm1(x)) + ffn(norm2(x)), and Falcon-7B's MLP reads the attention's normalized input (its layers
 * have no {@code ffnNorm}). Architectures differ only in how their weights are bound, not in this loop.
 */
public final class PreNormDecoder extends Decoder {

    /**
     * One layer's weights; the post-norms are null without sandwich norms, {@code ffnNorm} may be null under the
     * parallel residual (one norm feeds both branches).
     */
    public record Layer(Norm attentionNorm, AttentionBlock attention, Norm postAttentionNorm, Norm ffnNorm, Ffn ffn,
                        Norm postFfnNorm) {

        public Layer(Norm attentionNorm, AttentionBlock attention, Norm ffnNorm, Ffn ffn) {
            this(attentionNorm, attention, null, ffnNorm, ffn, null);
        }
    }

    private final Layer[] layers;
    private final boolean parallelResidual;

    public PreNormDecoder(ModelConfig config, WeightMatrix tokenEmbedding, Layer[] layers, Norm outputNorm,
                          WeightMatrix output, Parallel pool) {
        super(config, tokenEmbedding, outputNorm, output, pool);
        this.layers = layers;
        this.parallelResidual = config.layout().parallelResidual();
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
        if (parallelResidual && layer.ffnNorm != null) {
            layer.ffnNorm.apply(st.xb, st.x, count); // before the attention's output joins x
        }
        ArrayMath.add(st.x, st.xb2, count * dim);

        if (!parallelResidual) {
            layer.ffnNorm.apply(st.xb, st.x, count);
        }
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
