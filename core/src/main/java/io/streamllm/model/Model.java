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
 * @param poolingType  GGUF {@code <arch>.pooling_type} (0 none, 1 mean, 2 cls, 3 last, 4 rank), or
 *                     {@link #NO_POOLING_TYPE} when the file does not say
 */
public record Model(String name, Path source, ModelConfig config, Transformer network, Tokenizer tokenizer,
                    String chatTemplate, TensorStore store, int poolingType) implements AutoCloseable {
    /** The pooling type of a model whose file does not declare one. */
    public static final int NO_POOLING_TYPE = -1;

    /** A model whose file declares no pooling. */
    public Model(String name, Path source, ModelConfig config, Transformer network, Tokenizer tokenizer,
                 String chatTemplate, TensorStore store) {
        this(name, source, config, network, tokenizer, chatTemplate, store, NO_POOLING_TYPE);
    }

    @Override
    public void close() {
        store.close();
    }
}
