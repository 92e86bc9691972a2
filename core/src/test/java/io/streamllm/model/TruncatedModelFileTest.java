package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.engine.Session;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A model file cut short under a loaded model makes forward passes fail naming the file, and the JVM lives on. */
class TruncatedModelFileTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tinystories-656k"})
    void forwardPassesOnACutFileFailNamingIt(String modelName) throws IOException {
        Path shipped = modelName.equals("stories260K") ? References.stories260K() : References.tinystories656k();
        Path copy = copy(shipped);
        Path weights = Files.isDirectory(copy) ? copy.resolve("model.safetensors") : copy;
        try (Model model = ModelLoader.load(copy, TestPool.shared())) {
            Session session = new Session(model.network(), new SinkWindowPolicy(4, 60));
            for (int token = 1; token < 100; token++) {
                session.feed(token);
            }
            try (RandomAccessFile file = new RandomAccessFile(weights.toFile(), "rw")) {
                file.setLength(file.length() / 3);
            }
            for (int attempt = 0; attempt < 2; attempt++) {
                assertThatThrownBy(() -> session.feed(new int[] {5, 6, 7}))
                        .isInstanceOf(ModelFormatException.class)
                        .hasMessageContaining(weights.toString())
                        .hasMessageContaining("changed or was truncated while in use");
            }
        }
    }

    private Path copy(Path shipped) throws IOException {
        Path target = dir.resolve(shipped.getFileName());
        if (!Files.isDirectory(shipped)) {
            return Files.copy(shipped, target);
        }
        Files.createDirectory(target);
        try (Stream<Path> files = Files.list(shipped)) {
            for (Path file : (Iterable<Path>) files::iterator) {
                Files.copy(file, target.resolve(file.getFileName()));
            }
        }
        return target;
    }
}
