package io.streamllm.model.arch;

import io.streamllm.model.Architecture;
import io.streamllm.model.GgufConfig;
import io.streamllm.model.HfConfig;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;

import java.util.List;

/**
 * Mistral: the Llama layout with a sliding window on every layer ({@code sliding_window}; null or absent in
 * Mistral 7B v0.2 and later, which attend to the whole context). llama.cpp writes Mistral GGUFs as "llama".
 */
public final class Mistral implements Architecture {

    @Override
    public String ggufName() {
        return "mistral";
    }

    @Override
    public List<String> hfModelTypes() {
        return List.of("mistral");
    }

    @Override
    public String description() {
        return "the Llama layout with a sliding window on every layer";
    }

    @Override
    public ModelConfig fromGguf(GgufConfig gguf) {
        ModelConfig config = gguf.llamaLike(RopeStyle.ADJACENT_PAIRS);
        int window = gguf.integer("attention.sliding_window", 0);
        return config.with(config.attention().withSlidingWindow(window, 1));
    }

    @Override
    public ModelConfig fromHuggingFace(HfConfig hf) {
        ModelConfig config = hf.llamaLike(ggufName());
        return config.with(config.attention().withSlidingWindow(hf.slidingWindow(), 1));
    }

    @Override
    public Transformer load(ModelConfig config, Weights weights, Parallel pool) {
        return Llama.network(config, weights, pool);
    }
}
