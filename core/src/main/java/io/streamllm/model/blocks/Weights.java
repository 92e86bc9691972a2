package io.streamllm.model.blocks;

import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.tensor.WeightMatrix;

import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The tensors of a model file as an architecture binds them: each read is checked against the shape the
 * configuration implies and recorded, so that a tensor no one read can be refused ({@link #requireAllRead}).
 * Shapes are in ggml order: a matrix of {@code out} rows of {@code in} elements is {@code (in, out)}.
 */
public final class Weights {
    private final TensorStore store;
    private final String architecture;
    private final Set<String> read = new HashSet<>();

    public Weights(TensorStore store, String architecture) {
        this.store = store;
        this.architecture = architecture;
    }

    public boolean has(String name) {
        return store.has(name);
    }

    /** A matrix of {@code out} rows of {@code in} columns. */
    public WeightMatrix matrix(String name, int in, int out) {
        return view(name).expectShape(in, out).matrix();
    }

    /** A vector of {@code length} floats (norm weights, biases). */
    public float[] vector(String name, int length) {
        return view(name).expectShape(length).floats();
    }

    /** A vector of {@code length} floats, or null when the file has none. */
    public float[] optionalVector(String name, int length) {
        return store.has(name) ? vector(name, length) : null;
    }

    /** {@code count} rows of a matrix of {@code in} columns, starting at row {@code first}: a view, not a copy. */
    public WeightMatrix rows(String name, int in, int first, int count) {
        TensorView whole = view(name);
        if (whole.shape().length != 2 || whole.shape()[0] != in || whole.shape()[1] < (long) first + count) {
            throw new ModelFormatException("tensor '" + name + "' has shape " + java.util.Arrays.toString(whole.shape())
                    + " but the model configuration needs rows " + first + ".." + (first + count - 1) + " of width " + in);
        }
        long rowBytes = whole.type().bytesFor(in);
        return WeightMatrix.of(whole.type(), whole.data().asSlice(first * rowBytes, count * rowBytes), count, in);
    }

    /** Marks a tensor as read elsewhere (by the configuration reader). */
    public void markRead(String name) {
        read.add(name);
    }

    /** Refuses the model if its file holds a tensor the architecture did not read. */
    public void requireAllRead() {
        Set<String> unexpected = new TreeSet<>(store.names());
        unexpected.removeAll(read);
        if (!unexpected.isEmpty()) {
            String first = unexpected.iterator().next();
            throw new ModelFormatException(store.source() + ": tensor '" + first + "' is not part of architecture "
                    + architecture + (unexpected.size() > 1 ? " (nor " + (unexpected.size() - 1) + " more)" : ""));
        }
    }

    private TensorView view(String name) {
        TensorView view = store.get(name);
        read.add(name);
        return view;
    }
}
