package io.streamllm.model.arch;

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
import io.streamllm.model.blocks.FusedQkv;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.Decoder;
import io.streamllm.model.blocks.LayerNorm;
import io.streamllm.model.blocks.PlainFfn;
import io.streamllm.model.blocks.PreNormDecoder;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

import java.util.List;
import java.util.Map;

/**
 * GPT-NeoX (Pythia): LayerNorms with biases, a fused QKV projection with bias, NEOX RoPE over the first
 * {@code rope.dimension_count} dimensions of each head only, a GELU MLP with biases, and (as every Pythia)
 * the parallel residual {@code x + attention(ln1 x) + mlp(ln2 x)}. Hugging Face directories ({@code gpt_neox})
 * too: their {@code query_key_value}, interleaved head by head, is reordered once at load.
 */
public final class GptNeoX extends GeluArchitecture {
    private static final HfTensorNames HF_NAMES = new HfTensorNames(
            Map.of("gpt_neox.embed_in.weight", "token_embd.weight",
                    "gpt_neox.final_layer_norm.weight", "output_norm.weight",
                    "gpt_neox.final_layer_norm.bias", "output_norm.bias",
                    "embed_out.weight", "output.weight"),
            Map.ofEntries(
                    Map.entry("input_layernorm.weight", "attn_norm.weight"),
                    Map.entry("input_layernorm.bias", "attn_norm.bias"),
                    Map.entry("attention.query_key_value.weight", FusedQkv.HF_GROUPED + ".weight"),
                    Map.entry("attention.query_key_value.bias", FusedQkv.HF_GROUPED + ".bias"),
                    Map.entry("attention.dense.weight", "attn_output.weight"),
                    Map.entry("attention.dense.bias", "attn_output.bias"),
                    Map.entry("post_attention_layernorm.weight", "ffn_norm.weight"),
                    Map.entry("post_attention_layernorm.bias", "ffn_norm.bias"),
                    Map.entry("mlp.dense_h_to_4h.weight", "ffn_up.weight"),
                    Map.entry("mlp.dense_h_to_4h.bias", "ffn_up.bias"),
                    Map.entry("mlp.dense_4h_to_h.weight", "ffn_down.weight"),
                    Map.entry("mlp.dense_4h_to_h.bias", "ffn_down.bias")));

    public GptNeoX() {
        super(Activation.GELU_GGML_TABLE);
    }

    public GptNeoX(Activation gelu) {
        super(gelu);
    }

    @Override
    public String ggufName() {
        return "gptneox";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("gpt_neox");
    }

    @Override
    public String description() {
        return "LayerNorm with bias, fused QKV, partial NEOX RoPE, GELU, parallel residual";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.standard(NormSpec.Kind.LAYER, "attention.layer_norm_epsilon", RopeStyle.SPLIT_HALF);
        return config.with(new LayoutSpec(1f, 0f, gguf.flag("use_parallel_residual", true)));
    }

    @Override
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ConfigCheck check = hf.check();
        int dim = check.positive("hidden_size", hf.integer("hidden_size"));
        int heads = check.positive("num_attention_heads", hf.integer("num_attention_heads"));
        int headDim = dim / heads;
        // Hugging Face rotates int(head size * rotary_pct) dimensions, in halves (rotate_half): NEOX.
        int ropeDims = check.ropeDimensions("rotary_pct", (int) (headDim * hf.number("rotary_pct", 1.0)), headDim);
        double theta = check.positive("rotary_emb_base", hf.number("rotary_emb_base", hf.number("rope_theta", 10000.0)));
        boolean parallel = !Boolean.FALSE.equals(hf.raw("use_parallel_residual"));
        return new ModelConfig(ggufName(), dim, check.positive("num_hidden_layers", hf.integer("num_hidden_layers")),
                heads, heads, headDim, check.positive("intermediate_size", hf.integer("intermediate_size")),
                check.positive("vocab_size", hf.integer("vocab_size")),
                check.positive("max_position_embeddings", hf.integer("max_position_embeddings")),
                new NormSpec(NormSpec.Kind.LAYER, check.epsilon("layer_norm_eps", (float) hf.number("layer_norm_eps", 1e-5))),
                AttentionSpec.standard(headDim), PositionSpec.rope(new RopeConfig(theta, ropeDims, RopeStyle.SPLIT_HALF, null)),
                new LayoutSpec(1f, 0f, parallel));
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
        PreNormDecoder.Layer[] layers = layers(weights, config, gelu);
        LayerNorm outputNorm = LayerNorm.load(weights, "output_norm", dim, eps);
        WeightMatrix head = weights.matrix("output.weight", dim, config.vocabularySize());
        return new PreNormDecoder(config, embedding, layers, outputNorm, head, pool);
    }

    /** Per layer: LayerNorm, attention from a fused QKV tensor, LayerNorm, GELU MLP (GPT-NeoX and MPT; biases optional). */
    static PreNormDecoder.Layer[] layers(Weights weights, ModelConfig config, Activation gelu) {
        int dim = config.embeddingLength();
        float eps = config.normEpsilon();
        weights.vector("blk." + (config.blockCount() - 1) + ".attn_norm.weight", dim); // before allocating layers
        PreNormDecoder.Layer[] layers = new PreNormDecoder.Layer[config.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new PreNormDecoder.Layer(LayerNorm.load(weights, p + "attn_norm", dim, eps),
                    FusedQkv.load(weights, config, l), LayerNorm.load(weights, p + "ffn_norm", dim, eps),
                    PlainFfn.load(weights, p, dim, config.feedForwardLength(), gelu));
        }
        return layers;
    }
}
