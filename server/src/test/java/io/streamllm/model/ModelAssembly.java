package io.streamllm.model;

import io.streamllm.format.TensorStore;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.tensor.Parallel;
import io.streamllm.api.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;

import java.util.Map;

/**
 * The steps of {@link ModelLoader} one at a time, for the fuzzer: it feeds files from memory (a mapping
 * per input would cost more than the parsing) and a config.json against tensors opened once.
 */
public final class ModelAssembly {
    private ModelAssembly() {
    }

    /** What loading a GGUF model does after opening the file: configuration, weights, tokenizer. */
    public static Tokenizer assemble(GgufFile file, Parallel pool) {
        TensorStore store = new GgufTensorStore(file);
        ModelConfig config = ModelLoader.configFromGguf(file.metadata(), store);
        ModelLoader.network(config, store, pool);
        return Tokenizers.fromGguf(file.metadata());
    }

    /** What loading a Hugging Face model does with its config.json: the configuration, then the weights bound to it. */
    public static ModelConfig assemble(Map<String, Object> configJson, TensorStore store, Parallel pool) {
        ModelConfig config = ModelLoader.configFromHuggingFace(configJson, store);
        ModelLoader.network(config, store, pool);
        return config;
    }
}
