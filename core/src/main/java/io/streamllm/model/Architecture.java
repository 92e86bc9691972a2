package io.streamllm.model;

import io.streamllm.hf.HfTensorNames;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;

import java.util.List;

/**
 * One entry of the {@link Architectures} table: the names a model file gives the architecture, how it reads
 * its configuration, how Hugging Face names its tensors, and its network (its layer loop over shared blocks).
 */
public interface Architecture {

    /** The GGUF {@code general.architecture}. */
    String ggufName();

    /** The Hugging Face {@code model_type}s it runs; empty when it reads GGUF files only. */
    List<String> hfModelTypes();

    /** What the architecture adds to the Llama family, for {@code streamllm models}. */
    String description();

    ModelConfig fromGguf(GgufConfig gguf);

    /** Reads a config.json (called only for one of {@link #hfModelTypes}); by default the Llama family's keys. */
    default ModelConfig fromHuggingFace(HfConfig hf) {
        return hf.llamaLike(ggufName());
    }

    /** The Hugging Face tensor names, mapped to the GGUF names {@link #load} reads. */
    default HfTensorNames hfTensorNames() {
        return HfTensorNames.LLAMA;
    }

    /** Binds the weights to a network of shape {@code config}; every tensor of the file must be read. */
    Transformer load(ModelConfig config, Weights weights, Parallel pool);
}
