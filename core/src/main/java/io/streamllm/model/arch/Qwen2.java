package io.streamllm.model.arch;

import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;

import java.util.List;

/** Qwen2: the Llama layout with q/k/v biases and split-half (NEOX) RoPE. */
public final class Qwen2 implements Architecture {

    @Override
    public String ggufName() {
        return "qwen2";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("qwen2");
    }

    @Override
    public String description() {
        return "q/k/v biases, NEOX RoPE";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        return gguf.llamaLike(RopeStyle.SPLIT_HALF);
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        return Llama.network(config, weights, pool);
    }
}
