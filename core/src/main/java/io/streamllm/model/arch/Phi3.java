package io.streamllm.model.arch;

import io.streamllm.hf.HfTensorNames;
import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.HfConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.AttentionBlock;
import io.streamllm.model.blocks.GatedFfn;
import io.streamllm.model.blocks.Linear;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;

import java.util.List;
import java.util.Map;

/**
 * Phi-3: the Llama layout with NEOX RoPE, a fused qkv tensor (rows Q, K, V) and a fused gate_up tensor
 * ({@code ffn_up}: rows gate, then up), both bound as row views of the mapped tensor; a sliding window on
 * every layer ({@code sliding_window}).
 */
public final class Phi3 implements Architecture {

    @Override
    public String ggufName() {
        return "phi3";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("phi3");
    }

    @Override
    public String description() {
        return "fused qkv and gate_up, NEOX RoPE, sliding window";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.llamaLike(RopeStyle.SPLIT_HALF);
        return config.with(config.attention().withSlidingWindow(gguf.integer("attention.sliding_window", 0), 1));
    }

    @Override
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ModelConfig config = hf.llamaLike(ggufName());
        return config.with(config.attention().withSlidingWindow(hf.slidingWindow(), 1));
    }

    @Override
    public HfTensorNames hfTensorNames() {
        return HfTensorNames.LLAMA.withLayerNames(Map.of(
                "self_attn.qkv_proj.weight", "attn_qkv.weight",
                "mlp.gate_up_proj.weight", "ffn_up.weight"));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        int dim = config.embeddingLength();
        int q = config.queryLength();
        int kv = config.kvLength();
        int ffn = config.feedForwardLength();
        return Llama.network(config, weights, pool, l -> {
            String qkv = "blk." + l + ".attn_qkv.weight";
            return new AttentionBlock(
                    new Linear(weights.rows(qkv, dim, 0, q), null),
                    new Linear(weights.rows(qkv, dim, q, kv), null),
                    new Linear(weights.rows(qkv, dim, q + kv, kv), null),
                    Linear.load(weights, "blk." + l + ".attn_output", q, dim), null, null, null);
        }, l -> {
            String gateUp = "blk." + l + ".ffn_up.weight";
            return new GatedFfn(new Linear(weights.rows(gateUp, dim, 0, ffn), null),
                    new Linear(weights.rows(gateUp, dim, ffn, ffn), null),
                    Linear.load(weights, "blk." + l + ".ffn_down", ffn, dim), Activation.SILU);
        });
    }
}
