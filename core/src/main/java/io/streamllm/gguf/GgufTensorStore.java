package io.streamllm.gguf;

import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;

import java.util.Set;

/** The tensors of a GGUF file, which already uses the standard names. */
public final class GgufTensorStore implements TensorStore {
    private final GgufFile file;

    public GgufTensorStore(GgufFile file) {
        this.file = file;
    }

    @Override
    public String source() {
        return file.path().toString();
    }

    @Override
    public Set<String> names() {
        return file.tensors().keySet();
    }

    @Override
    public TensorView find(String name) {
        GgufTensorInfo info = file.tensor(name);
        return info == null ? null : new TensorView(name, info.type(), info.shape(), file.data(info));
    }

    @Override
    public void checkUnchanged() {
        file.checkUnchanged();
    }

    @Override
    public void close() {
        file.close();
    }
}
