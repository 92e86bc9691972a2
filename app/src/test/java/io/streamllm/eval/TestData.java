package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The shipped models and reference figures, found from the module directory the tests run in. */
public final class TestData {
    private TestData() {
    }

    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (a folder holding models/)");
        }
        return dir;
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
