package io.streamllm.format;

import io.streamllm.api.ModelFormatException;

import java.util.Set;

/**
 * The tensors of a model, under llama.cpp's GGUF names ("token_embd.weight", "blk.0.attn_q.weight", ...)
 * whatever the file format, so that an architecture reads its weights one way.
 */
public interface TensorStore extends AutoCloseable {

    /** Where the tensors come from, for messages. */
    String source();

    Set<String> names();

    /** The tensor called {@code name}, or null. */
    TensorView find(String name);

    default boolean has(String name) {
        return find(name) != null;
    }

    default TensorView get(String name) {
        TensorView view = find(name);
        if (view == null) {
            throw new ModelFormatException(source() + ": tensor '" + name + "' is missing");
        }
        return view;
    }

    /**
     * Throws a {@link ModelFormatException} naming the file if a file the tensors are mapped from was cut short
     * since it was opened (reading it would fault). Tensors held in memory have nothing to check.
     */
    default void checkUnchanged() {
    }

    @Override
    void close();
}
