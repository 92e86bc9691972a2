package io.streamllm.model.arch;

import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.LayoutSpec;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.NormSpec;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.Decoder;
import io.streamllm.model.blocks.FusedQkv;
import io.streamllm.model.blocks.LayerNorm;
import io.streamllm.model.blocks.PlainFfn;
import io.streamllm.model.blocks.PreNormDecoder;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

import java.util.List;

/**
 * Falcon: multi-query attention (one KV head for Falcon-7B, a few for 40B) from a fused QKV tensor, NEOX RoPE,
 * a GELU MLP, and the parallel residual. Falcon-7B feeds attention and MLP from one LayerNorm; 40B has a second
 * ({@code attn_norm_2}) for the MLP. No biases but the norms'.
 */
public final class Falcon implements Architecture {
    private final Activation gelu;

    /** GELU through ggml's fp16 table, as llama.cpp computes it. */
    public Falcon() {
        this(Activation.GELU_GGML_TABLE);
    }

    /** {@code gelu}: {@link Activation#GELU_TANH} to compute GELU exactly. */
    public Falcon(Activation gelu) {
        this.gelu = gelu;
    }

    @Override
    public String ggufName() {
        return "falcon";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of();
    }

    @Override
    public String description() {
        return "MQA, fused QKV, NEOX RoPE, one LayerNorm feeding parallel attention and GELU MLP";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.standard(NormSpec.Kind.LAYER, "attention.layer_norm_epsilon", RopeStyle.SPLIT_HALF);
        return config.with(new LayoutSpec(1f, 0f, true));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        int dim = config.embeddingLength();
        float eps = config.normEpsilon();
        WeightMatrix embedding = Decoder.embedding(weights, config);
        weights.vector("blk." + (config.blockCount() - 1) + ".attn_norm.weight", dim); // before allocating layers
        PreNormDecoder.Layer[] layers = new PreNormDecoder.Layer[config.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new PreNormDecoder.Layer(LayerNorm.load(weights, p + "attn_norm", dim, eps),
                    FusedQkv.load(weights, config, l),
                    weights.has(p + "attn_norm_2.weight") ? LayerNorm.load(weights, p + "attn_norm_2", dim, eps) : null,
                    PlainFfn.load(weights, p, dim, config.feedForwardLength(), gelu));
        }
        return new PreNormDecoder(config, embedding, layers, LayerNorm.load(weights, "output_norm", dim, eps),
                weights.matrix("output.weight", dim, config.vocabularySize()), pool);
    }
}
