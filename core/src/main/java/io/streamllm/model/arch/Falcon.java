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
import io.streamllm.model.RopeConfig;
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
import java.util.Map;

/**
 * Falcon: multi-query attention (one KV head for Falcon-7B, a few for 40B) from a fused QKV tensor, NEOX RoPE,
 * a GELU MLP, and the parallel residual. Falcon-7B feeds attention and MLP from one LayerNorm; 40B has a second
 * ({@code attn_norm_2}) for the MLP. No biases but the norms'. Hugging Face directories too ({@code falcon}, without
 * ALiBi): their fused QKV, grouped by KV head, is used in place for one KV head and reordered once otherwise.
 */
public final class Falcon extends GeluArchitecture {
    private static final HfTensorNames HF_NAMES = new HfTensorNames(
            Map.of("transformer.word_embeddings.weight", "token_embd.weight",
                    "transformer.ln_f.weight", "output_norm.weight",
                    "transformer.ln_f.bias", "output_norm.bias",
                    "lm_head.weight", "output.weight"),
            Map.ofEntries(
                    Map.entry("input_layernorm.weight", "attn_norm.weight"),
                    Map.entry("input_layernorm.bias", "attn_norm.bias"),
                    Map.entry("ln_attn.weight", "attn_norm.weight"),
                    Map.entry("ln_attn.bias", "attn_norm.bias"),
                    Map.entry("ln_mlp.weight", "attn_norm_2.weight"),
                    Map.entry("ln_mlp.bias", "attn_norm_2.bias"),
                    Map.entry("self_attention.query_key_value.weight", FusedQkv.HF_GROUPED + ".weight"),
                    Map.entry("self_attention.dense.weight", "attn_output.weight"),
                    Map.entry("mlp.dense_h_to_4h.weight", "ffn_up.weight"),
                    Map.entry("mlp.dense_4h_to_h.weight", "ffn_down.weight")));

    public Falcon() {
        super(Activation.GELU_GGML_TABLE);
    }

    public Falcon(Activation gelu) {
        super(gelu);
    }

    @Override
    public String ggufName() {
        return "falcon";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("falcon", "RefinedWebModel", "RefinedWeb");
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
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ConfigCheck check = hf.check();
        for (String unsupported : List.of("alibi", "bias")) {
            if (Boolean.TRUE.equals(hf.raw(unsupported))) {
                throw new ModelFormatException(hf.source() + ": Falcon with \"" + unsupported + "\": true is not supported");
            }
        }
        if (Boolean.FALSE.equals(hf.raw("parallel_attn"))) {
            throw new ModelFormatException(hf.source() + ": Falcon with \"parallel_attn\": false is not supported");
        }
        int dim = check.positive("hidden_size", hf.integer("hidden_size"));
        int heads = check.positive("num_attention_heads", hf.integer("num_attention_heads"));
        int headDim = dim / heads;
        // Falcon-40B and later name their KV heads; 7B has one (multi_query), the oldest as many as query heads.
        int kvHeads = Boolean.TRUE.equals(hf.raw("new_decoder_architecture")) ? hf.integer("num_kv_heads")
                : Boolean.FALSE.equals(hf.raw("multi_query")) ? heads : 1;
        double theta = check.positive("rope_theta", hf.number("rope_theta", 10000.0));
        return new ModelConfig(ggufName(), dim, check.positive("num_hidden_layers", hf.integer("num_hidden_layers")),
                heads, check.kvHeads("num_kv_heads", kvHeads, heads, headDim), headDim,
                check.positive("ffn_hidden_size", hf.integer("ffn_hidden_size", 4 * dim)),
                check.positive("vocab_size", hf.integer("vocab_size")),
                check.positive("max_position_embeddings", hf.integer("max_position_embeddings", 2048)),
                new NormSpec(NormSpec.Kind.LAYER, check.epsilon("layer_norm_epsilon", (float) hf.number("layer_norm_epsilon", 1e-5))),
                AttentionSpec.standard(headDim), PositionSpec.rope(new RopeConfig(theta, headDim, RopeStyle.SPLIT_HALF, null)),
                new LayoutSpec(1f, 0f, true));
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
                Decoder.head(weights, config, embedding), pool);
    }
}
