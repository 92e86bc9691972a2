package io.streamllm.model.arch;

import io.streamllm.ModelFormatException;
import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.NormSpec;
import io.streamllm.model.PositionSpec;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.Decoder;
import io.streamllm.model.blocks.LayerNorm;
import io.streamllm.model.blocks.PreNormDecoder;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

import java.util.List;

/**
 * MPT: ALiBi instead of RoPE (biases from in-cache distances under a sink cache), the fused QKV output
 * clamped to [-clamp_kqv, clamp_kqv], LayerNorms without bias, a GELU MLP, sequential residuals, and the
 * embedding table as LM head.
 */
public final class Mpt implements Architecture {
    private final Activation gelu;

    /** GELU through ggml's fp16 table, as llama.cpp computes it. */
    public Mpt() {
        this(Activation.GELU_GGML_TABLE);
    }

    /** {@code gelu}: {@link Activation#GELU_TANH} to compute GELU exactly. */
    public Mpt(Activation gelu) {
        this.gelu = gelu;
    }

    @Override
    public String ggufName() {
        return "mpt";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of();
    }

    @Override
    public String description() {
        return "ALiBi, clamped fused QKV, LayerNorm without bias, GELU, tied output";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.standard(NormSpec.Kind.LAYER, "attention.layer_norm_epsilon", RopeStyle.SPLIT_HALF);
        float maxBias = gguf.number("attention.max_alibi_bias", 0f);
        if (!(maxBias > 0)) {
            throw new ModelFormatException(gguf.store().source() + ": " + gguf.key("attention.max_alibi_bias") + " = "
                    + maxBias + ", MPT needs a positive ALiBi bias");
        }
        float clamp = gguf.number("attention.clamp_kqv", 0f);
        return config.with(PositionSpec.alibi(maxBias)).with(config.attention().withClampQkv(clamp));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        int dim = config.embeddingLength();
        float eps = config.normEpsilon();
        WeightMatrix embedding = Decoder.embedding(weights, config);
        PreNormDecoder.Layer[] layers = GptNeoX.layers(weights, config, gelu);
        return new PreNormDecoder(config, embedding, layers, LayerNorm.load(weights, "output_norm", dim, eps),
                Decoder.head(weights, config, embedding), pool);
    }
}
