package io.streamllm.tokenizer;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Finds the shared models and reference figures. Maven runs tests in {@code core/}, so the repository
 * root is its parent; {@code ../shared} beside the root is preferred when present (developers and CI
 * have it), else the copies shipped in the repository.
 */
final class TestFiles {
    private TestFiles() {
    }

    static Path repositoryRoot() {
        Path workingDirectory = Path.of("").toAbsolutePath();
        return Files.isDirectory(workingDirectory.resolve("core")) ? workingDirectory : workingDirectory.getParent();
    }

    /** {@code reference/<file>}: from ../shared when it exists, else the shipped copy. */
    static Path reference(String file) {
        return locate("reference", file);
    }

    /** {@code models/<path>}: from ../shared when it exists, else the shipped copy. */
    static Path model(String path) {
        return locate("models", path);
    }

    private static Path locate(String folder, String file) {
        Path root = repositoryRoot();
        Path shared = root.resolveSibling("shared").resolve(folder).resolve(file);
        return Files.exists(shared) ? shared : root.resolve(folder).resolve(file);
    }
}
