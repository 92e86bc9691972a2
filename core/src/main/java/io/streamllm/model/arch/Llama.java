package io.streamllm.model.arch;

import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.AttentionBlock;
import io.streamllm.model.blocks.Decoder;
import io.streamllm.model.blocks.Ffn;
import io.streamllm.model.blocks.GatedFfn;
import io.streamllm.model.blocks.Linear;
import io.streamllm.model.blocks.PreNormDecoder;
import io.streamllm.model.blocks.RmsNorm;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

import java.util.List;
import java.util.function.IntFunction;

/**
 * Llama 1/2/3 (and TinyLlama, and Hugging Face Mistral without a sliding window): RMSNorm, grouped-query
 * attention with RoPE, SwiGLU MLP, pre-norm residuals; tied embeddings when the file has no output matrix.
 * The other pre-norm architectures bind their weights through {@link #network}.
 */
public final class Llama implements Architecture {

    @Override
    public String ggufName() {
        return "llama";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("llama");
    }

    @Override
    public String description() {
        return "RMSNorm, GQA, RoPE, SwiGLU; tied embeddings when output.weight is absent; sink logits (attn_sinks) when present";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        // llama.cpp's converters permute Llama's Q/K so that RoPE pairs adjacent dimensions.
        return gguf.llamaLike(RopeStyle.ADJACENT_PAIRS);
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        return network(config, weights, pool);
    }

    /** The pre-norm network of separate q/k/v (with biases and sink logits if the file has them) and gate/up tensors. */
    public static PreNormDecoder network(ModelConfig config, Weights weights, Parallel pool) {
        return network(config, weights, pool, l -> AttentionBlock.load(weights, config, l), l -> gatedFfn(weights, config, l));
    }

    /** The pre-norm network of {@code config}, with each layer's attention and MLP bound as the caller says. */
    public static PreNormDecoder network(ModelConfig config, Weights weights, Parallel pool,
                                         IntFunction<AttentionBlock> attention,
                                         IntFunction<? extends Ffn> ffn) {
        int dim = config.embeddingLength();
        float eps = config.normEpsilon();
        WeightMatrix embedding = Decoder.embedding(weights, config);
        // The last layer first: a block count the file does not back must fail before the array is allocated.
        weights.vector("blk." + (config.blockCount() - 1) + ".attn_norm.weight", dim);
        PreNormDecoder.Layer[] layers = new PreNormDecoder.Layer[config.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new PreNormDecoder.Layer(
                    RmsNorm.load(weights, p + "attn_norm.weight", dim, eps),
                    attention.apply(l),
                    RmsNorm.load(weights, p + "ffn_norm.weight", dim, eps),
                    ffn.apply(l));
        }
        return new PreNormDecoder(config, embedding, layers, RmsNorm.load(weights, "output_norm.weight", dim, eps),
                Decoder.head(weights, config, embedding), pool);
    }

    /** SwiGLU from the separate {@code ffn_gate}, {@code ffn_up} and {@code ffn_down} tensors of layer {@code l}. */
    public static GatedFfn gatedFfn(Weights weights, ModelConfig config, int l) {
        String p = "blk." + l + ".";
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        return new GatedFfn(Linear.load(weights, p + "ffn_gate", dim, ffn), Linear.load(weights, p + "ffn_up", dim, ffn),
                Linear.load(weights, p + "ffn_down", ffn, dim), Activation.SILU);
    }
}
