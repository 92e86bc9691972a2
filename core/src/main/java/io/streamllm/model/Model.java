package io.streamllm.model;

import io.streamllm.format.TensorStore;
import io.streamllm.api.Tokenizer;

import java.nio.file.Path;

/**
 * A loaded model: its network, its tokenizer and what else its file says about it.
 *
 * @param name         a short name for display
 * @param source       the file or directory it was loaded from
 * @param chatTemplate the Jinja chat template of the model, or null when it has none
 */
public record Model(String name, Path source, ModelConfig config, Transformer network, Tokenizer tokenizer,
                    String chatTemplate, TensorStore store) implements AutoCloseable {

    @Override
    public void close() {
        store.close();
    }
}
