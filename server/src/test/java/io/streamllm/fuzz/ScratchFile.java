package io.streamllm.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A temporary folder for the files a target's input becomes; removed with everything in it on close. */
final class ScratchFile implements AutoCloseable {
    private final Path folder;

    ScratchFile(String prefix) {
        try {
            folder = Files.createTempDirectory(prefix);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path folder() {
        return folder;
    }

    /** Writes {@code bytes} to {@code name} in the folder (replacing it) and returns its path. */
    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(folder.resolve(name), bytes);
    }

    @Override
    public void close() throws IOException {
        try (var files = Files.walk(folder)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
