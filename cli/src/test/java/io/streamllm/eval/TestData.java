package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.api.SyntheticModelSpec;
import io.streamllm.testing.References;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The shipped models and reference streams (through {@link References}), and a synthetic model for speed tests. */
public final class TestData {
    private TestData() {
    }

    public static Path stories260K() {
        return References.stories260K();
    }

    public static Path tinystories656k() {
        return References.tinystories656k();
    }

    public static Path model(String name) {
        return name.equals("stories260K") ? stories260K() : tinystories656k();
    }

    /** The reference stream of a model: {@code <model>-stream-seed0.json}, from ../shared when present. */
    public static Path referenceStream(String model) {
        return References.file(model + "-stream-seed0.json");
    }

    public static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A random-weight model of the tiny synthetic shape (2 layers, 300 tokens), written into {@code dir}. */
    public static Path tinySyntheticModel(Path dir) {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModelSpec.of("tiny", "F32").write(file, 7, done -> { });
        return file;
    }
}
