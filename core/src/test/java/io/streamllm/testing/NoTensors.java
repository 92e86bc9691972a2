package io.streamllm.testing;

import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;

import java.util.Set;

/** A tensor store with no tensors, for reading a configuration without weights. */
public final class NoTensors implements TensorStore {
    @Override
    public String source() {
        return "test";
    }

    @Override
    public Set<String> names() {
        return Set.of();
    }

    @Override
    public TensorView find(String name) {
        return null;
    }

    @Override
    public void close() {
    }
}
