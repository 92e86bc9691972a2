package io.streamllm.model.arch;

import io.streamllm.api.ModelFormatException;
import io.streamllm.hf.HfTensorNames;
import io.streamllm.model.AttentionSpec;
import io.streamllm.model.ConfigCheck;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.HfConfig;
import io.streamllm.model.LayoutSpec;
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
import java.util.Map;

/**
 * MPT: ALiBi instead of RoPE (biases from in-cache distances under a sink cache), the fused QKV output
 * clamped to [-clamp_kqv, clamp_kqv], LayerNorms without bias, a GELU MLP, sequential residuals, and the
 * embedding table as LM head. Hugging Face directories too ({@code mpt}, with ALiBi, without qk_ln).
 */
public final class Mpt extends GeluArchitecture {
    private static final HfTensorNames HF_NAMES = new HfTensorNames(
            Map.of("transformer.wte.weight", "token_embd.weight",
                    "transformer.norm_f.weight", "output_norm.weight",
                    "transformer.norm_f.bias", "output_norm.bias"),
            Map.ofEntries(
                    Map.entry("norm_1.weight", "attn_norm.weight"),
                    Map.entry("norm_1.bias", "attn_norm.bias"),
                    Map.entry("attn.Wqkv.weight", "attn_qkv.weight"), // Q, K, V rows: llama.cpp's layout already
                    Map.entry("attn.Wqkv.bias", "attn_qkv.bias"),
                    Map.entry("attn.out_proj.weight", "attn_output.weight"),
                    Map.entry("attn.out_proj.bias", "attn_output.bias"),
                    Map.entry("norm_2.weight", "ffn_norm.weight"),
                    Map.entry("norm_2.bias", "ffn_norm.bias"),
                    Map.entry("ffn.up_proj.weight", "ffn_up.weight"),
                    Map.entry("ffn.up_proj.bias", "ffn_up.bias"),
                    Map.entry("ffn.down_proj.weight", "ffn_down.weight"),
                    Map.entry("ffn.down_proj.bias", "ffn_down.bias")));

    public Mpt() {
        super(Activation.GELU_GGML_TABLE);
    }

    public Mpt(Activation gelu) {
        super(gelu);
    }

    @Override
    public String ggufName() {
        return "mpt";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("mpt");
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
    @SuppressWarnings("unchecked")
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ConfigCheck check = hf.check();
        HfConfig attention = new HfConfig(hf.raw("attn_config") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of(),
                hf.source() + " attn_config");
        if (Boolean.FALSE.equals(attention.raw("alibi")) || Boolean.TRUE.equals(attention.raw("qk_ln"))) {
            throw new ModelFormatException(hf.source() + ": MPT without ALiBi or with qk_ln is not supported");
        }
        int dim = check.positive("d_model", hf.integer("d_model"));
        int heads = check.positive("n_heads", hf.integer("n_heads"));
        int headDim = dim / heads;
        float maxBias = (float) check.positive("alibi_bias_max", attention.number("alibi_bias_max", 8.0));
        float clamp = (float) attention.number("clip_qkv", 0.0);
        return new ModelConfig(ggufName(), dim, check.positive("n_layers", hf.integer("n_layers")), heads, heads,
                headDim, check.positive("expansion_ratio", (int) (dim * hf.number("expansion_ratio", 4.0))),
                check.positive("vocab_size", hf.integer("vocab_size")),
                check.positive("max_seq_len", hf.integer("max_seq_len")),
                new NormSpec(NormSpec.Kind.LAYER, check.epsilon("layer_norm_epsilon", (float) hf.number("layer_norm_epsilon", 1e-5))),
                AttentionSpec.standard(headDim).withClampQkv(clamp), PositionSpec.alibi(maxBias), LayoutSpec.SEQUENTIAL);
    }

    @Override
    public HfTensorNames hfTensorNames() {
        return HF_NAMES;
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
