package io.streamllm.langchain4j;

import io.streamllm.api.StreamingModel;

import java.nio.file.Files;
import java.nio.file.Path;

/** The repository's shipped stories260K model, loaded once for all the tests of this module. */
final class ShippedModel {
    private ShippedModel() {
    }

    private static final class Holder {
        static final StreamingModel STORIES_260K = StreamingModel.load(path("stories260K/stories260K.gguf"));
    }

    /** stories260K, shared: sessions are opened on it, never closed by a test. */
    static StreamingModel stories260K() {
        return Holder.STORIES_260K;
    }

    /** A shipped model under {@code models/}, found from the module directory the tests run in. */
    static Path path(String model) {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (a folder holding models/)");
        }
        return dir.resolve("models").resolve(model);
    }
}
