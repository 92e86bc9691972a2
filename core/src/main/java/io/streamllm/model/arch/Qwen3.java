package io.streamllm.model.arch;

import io.streamllm.hf.HfTensorNames;
import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.AttentionBlock;
import io.streamllm.model.blocks.RmsNorm;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;

import java.util.List;
import java.util.Map;

/** Qwen3: the Qwen2 layout without q/k/v biases, plus an RMSNorm of each query and key head before RoPE. */
public final class Qwen3 implements Architecture {

    @Override
    public String ggufName() {
        return "qwen3";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("qwen3");
    }

    @Override
    public String description() {
        return "per-head q/k RMSNorm, NEOX RoPE";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        return gguf.llamaLike(RopeStyle.SPLIT_HALF);
    }

    @Override
    public HfTensorNames hfTensorNames() {
        return HfTensorNames.LLAMA.withLayerNames(Map.of(
                "self_attn.q_norm.weight", "attn_q_norm.weight",
                "self_attn.k_norm.weight", "attn_k_norm.weight"));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        int headDim = config.headDim();
        float eps = config.normEpsilon();
        return Llama.network(config, weights, pool, l -> AttentionBlock.load(weights, config, l).withHeadNorms(
                        RmsNorm.load(weights, "blk." + l + ".attn_q_norm.weight", headDim, eps),
                        RmsNorm.load(weights, "blk." + l + ".attn_k_norm.weight", headDim, eps)),
                l -> Llama.gatedFfn(weights, config, l));
    }
}
