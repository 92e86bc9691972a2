package io.streamllm.model.blocks;

import io.streamllm.kv.KvCache;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.ArrayMath;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * The sequential pre-norm layer loop of the Llama family: x += attention(norm(x)); x += ffn(norm(x)).
 * Llama, Qwen2/3, Mistral and Phi-3 differ only in how their weights are bound, not in this loop.
 */
public final class PreNormDecoder extends Decoder {

    /** One layer's weights. */
    public record Layer(Norm attentionNorm, AttentionBlock attention, Norm ffnNorm, FeedForward ffn) {
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
        ArrayMath.add(st.x, st.xb2, count * dim);

        layer.ffnNorm.apply(st.xb, st.x, count);
        layer.ffn.apply(st, count, dim, pool);
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
