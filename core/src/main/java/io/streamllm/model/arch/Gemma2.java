package io.streamllm.model.arch;

import io.streamllm.hf.HfTensorNames;
import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.HfConfig;
import io.streamllm.model.LayoutSpec;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.NormSpec;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.AttentionBlock;
import io.streamllm.model.blocks.Decoder;
import io.streamllm.model.blocks.GatedFfn;
import io.streamllm.model.blocks.Linear;
import io.streamllm.model.blocks.PreNormDecoder;
import io.streamllm.model.blocks.RmsNorm;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

import java.util.List;
import java.util.Map;

/**
 * Gemma 2: embeddings scaled by sqrt(width); sandwich norms (each block's output is normalized again
 * before it joins the residual: the pre-norm loop with post-norms); GELU-gated MLP; attention scores and final logits soft-capped; a sliding
 * window on the even layers; the embedding table as LM head. GELU through ggml's fp16 table by default, as
 * stock llama.cpp computes it ({@link GeluArchitecture}).
 */
public final class Gemma2 extends GeluArchitecture {

    public Gemma2() {
        this(Activation.GELU_GGML_TABLE);
    }

    /** With {@code gelu} as the MLP's activation: the fp16 table or {@link Activation#GELU_TANH}. */
    public Gemma2(Activation gelu) {
        super(gelu);
    }

    @Override
    public String ggufName() {
        return "gemma2";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("gemma2");
    }

    @Override
    public String description() {
        return "embedding scale, sandwich norms, GELU, soft-capping, sliding window on even layers";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.llamaLike(RopeStyle.SPLIT_HALF);
        // llama.cpp scales queries by 1/sqrt(width / heads) for the 27B model (46 layers), by 1/sqrt(head size) otherwise.
        float scale = (float) (1 / Math.sqrt(config.blockCount() == 46
                ? config.embeddingLength() / config.headCount() : config.headDim()));
        return gemma(config, scale, gguf.number("attn_logit_softcapping", 0), gguf.number("final_logit_softcapping", 0),
                gguf.integer("attention.sliding_window", 0));
    }

    @Override
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ModelConfig config = hf.llamaLike(ggufName());
        // Hugging Face's Gemma RMSNorm multiplies by (1 + weight); llama.cpp's converter stores the sum.
        config = config.with(new NormSpec(NormSpec.Kind.RMS, config.normEpsilon(), 1f));
        float scale = (float) (1 / Math.sqrt(hf.number("query_pre_attn_scalar", config.headDim())));
        return gemma(config, scale, (float) hf.number("attn_logit_softcapping", 0),
                (float) hf.number("final_logit_softcapping", 0), hf.slidingWindow());
    }

    private static ModelConfig gemma(ModelConfig config, float queryScale, float attentionCap, float finalCap,
                                     int window) {
        return config
                .with(config.attention().withQueryScale(queryScale).withLogitSoftcap(attentionCap)
                        .withSlidingWindow(window, 2))
                .with(new LayoutSpec((float) Math.sqrt(config.embeddingLength()), finalCap, false));
    }

    @Override
    public HfTensorNames hfTensorNames() {
        return HfTensorNames.LLAMA.withLayerNames(Map.of(
                "post_attention_layernorm.weight", "post_attention_norm.weight",
                "pre_feedforward_layernorm.weight", "ffn_norm.weight",
                "post_feedforward_layernorm.weight", "post_ffw_norm.weight"));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        WeightMatrix embedding = Decoder.embedding(weights, config);
        weights.vector("blk." + (config.blockCount() - 1) + ".attn_norm.weight", dim); // fail before allocating
        PreNormDecoder.Layer[] layers = new PreNormDecoder.Layer[config.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new PreNormDecoder.Layer(norm(weights, config, p + "attn_norm.weight"), AttentionBlock.load(weights, config, l),
                    norm(weights, config, p + "post_attention_norm.weight"), norm(weights, config, p + "ffn_norm.weight"),
                    new GatedFfn(Linear.load(weights, p + "ffn_gate", dim, ffn), Linear.load(weights, p + "ffn_up", dim, ffn),
                            Linear.load(weights, p + "ffn_down", ffn, dim), gelu),
                    norm(weights, config, p + "post_ffw_norm.weight"));
        }
        // llama.cpp always uses the embedding table as Gemma 2's LM head.
        return new PreNormDecoder(config, embedding, layers, norm(weights, config, "output_norm.weight"), embedding, pool);
    }

    private static RmsNorm norm(Weights weights, ModelConfig config, String name) {
        float[] weight = weights.vector(name, config.embeddingLength());
        for (int i = 0; i < weight.length; i++) {
            weight[i] += config.norm().weightOffset();
        }
        return new RmsNorm(weight, config.normEpsilon());
    }
}
