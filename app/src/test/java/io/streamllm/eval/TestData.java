package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** The shipped models and reference streams, and a synthetic model for speed tests. */
public final class TestData {
    private TestData() {
    }

    /** The repository root: surefire runs the app module's tests in app/. */
    public static Path repositoryRoot() {
        return Path.of("").toAbsolutePath().getParent();
    }

    public static Path stories260K() {
        return repositoryRoot().resolve("models/stories260K/stories260K.gguf");
    }

    public static Path tinystories656k() {
        return repositoryRoot().resolve("models/tinystories-656k");
    }

    public static Path model(String name) {
        return name.equals("stories260K") ? stories260K() : tinystories656k();
    }

    /** The shipped reference stream of a model: {@code reference/<model>-stream-seed0.json}. */
    public static Path referenceStream(String model) {
        return repositoryRoot().resolve("reference").resolve(model + "-stream-seed0.json");
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
        SyntheticModel.write(SyntheticModel.TINY, GgmlType.F32, file, 7, Parallel.common(), done -> { });
        return file;
    }
}
