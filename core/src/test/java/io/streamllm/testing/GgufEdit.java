package io.streamllm.testing;

import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufMetadata;
import io.streamllm.gguf.GgufTensorInfo;
import io.streamllm.gguf.GgufWriter;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.function.Predicate;

/** Writes a copy of a GGUF file with metadata keys or tensors left out, and more added by the caller. */
public final class GgufEdit {
    private GgufEdit() {
    }

    /**
     * Copies {@code source} to {@code target}: the metadata keys and tensors {@code keep} accepts, then what
     * {@code additions} adds to the writer.
     */
    public static Path copy(Path source, Path target, Predicate<String> keep, Consumer<GgufWriter> additions) {
        try (GgufFile file = GgufFile.open(source)) {
            GgufWriter writer = new GgufWriter(file.alignment());
            GgufMetadata meta = file.metadata();
            for (String key : meta.keys()) {
                if (keep.test(key)) {
                    writer.put(key, meta.type(key), meta.get(key));
                }
            }
            for (GgufTensorInfo info : file.tensors().values()) {
                if (keep.test(info.name())) {
                    MemorySegment data = file.data(info);
                    writer.addTensor(info.name(), info.type(), info.shape(), dst -> dst.copyFrom(data));
                }
            }
            additions.accept(writer);
            writer.write(target);
        }
        return target;
    }
}
