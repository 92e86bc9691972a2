package io.streamllm.model.blocks;

import io.streamllm.kv.KvCache;
import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.ArrayMath;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * The parallel-residual layer loop of GPT-NeoX and Falcon: attention and MLP both read the layer's input and
 * both add to it, {@code x += attention(norm1(x)) + ffn(norm2(x))}. Falcon-7B feeds both from one norm
 * ({@code ffnNorm} null); GPT-NeoX and Falcon-40B have one each.
 */
public final class ParallelDecoder extends Decoder {

    private final PreNormDecoder.Layer[] layers;

    /**
     * Layers of the same parts as the sequential loop's; here a layer's {@code ffnNorm} may be null, when its MLP
     * reads the attention's normalized input.
     */
    public ParallelDecoder(ModelConfig config, WeightMatrix tokenEmbedding, PreNormDecoder.Layer[] layers, Norm outputNorm,
                           WeightMatrix output, Parallel pool) {
        super(config, tokenEmbedding, outputNorm, output, pool);
        this.layers = layers;
    }

    @Override
    protected void layer(int l, KvCache cache, ForwardState st, int count) {
        int dim = config.embeddingLength();
        PreNormDecoder.Layer layer = layers[l];
        layer.attentionNorm().apply(st.xb, st.x, count);
        layer.attention().apply(l, attention, cache, st, count, dim, pool);
        if (layer.ffnNorm() != null) {
            layer.ffnNorm().apply(st.xb, st.x, count); // before x changes: both branches read the layer's input
        }
        ArrayMath.add(st.x, st.xb2, count * dim);
        layer.ffn().apply(st, count, dim, pool);
        ArrayMath.add(st.x, st.xb2, count * dim);
    }

    @Override
    protected long layerBytes() {
        long bytes = 0;
        for (PreNormDecoder.Layer layer : layers) {
            bytes += layer.attention().byteSize() + layer.ffn().byteSize();
        }
        return bytes;
    }
}
