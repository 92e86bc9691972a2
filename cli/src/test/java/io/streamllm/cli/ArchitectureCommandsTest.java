package io.streamllm.cli;

import io.streamllm.api.Capabilities;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every architecture runs end to end: perplexity with a dense and a sink cache, and generation through a
 * sink cache past its capacity, on each tiny model shipped in reference/arch. `streamllm models` and the
 * README list the same architectures and tensor types.
 */
class ArchitectureCommandsTest {
    @TempDir
    Path dir;

    static Stream<Path> referenceModels() throws IOException {
        try (Stream<Path> files = Files.list(CliRun.repositoryRoot().resolve("reference/arch"))) {
            return files.filter(f -> f.toString().endsWith(".gguf")).sorted().toList().stream();
        }
    }

    @ParameterizedTest
    @MethodSource("referenceModels")
    void perplexityAndSinkGenerationRun(Path model) throws IOException {
        Path text = Files.writeString(dir.resolve("text.txt"), "The quick brown fox jumps over the lazy dog. ".repeat(4));
        CliRun perplexity = CliRun.of("perplexity", "-m", model.toString(), "--text", text.toString(),
                "--max-tokens", "120", "--cache", "dense", "--cache", "sink:4:16", "--segment", "40");
        assertThat(perplexity.exitCode()).as(perplexity.stderr()).isZero();
        List<String> lines = perplexity.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\{\"policy\":\"dense\",\"tokens\":120,\"mean_nll\":[0-9.]+,\"ppl\":[0-9.]+}");
        assertThat(lines.get(1)).matches("\\{\"policy\":\"sink:4:16\",\"tokens\":120,\"mean_nll\":[0-9.]+,\"ppl\":[0-9.]+}");

        CliRun generate = CliRun.of("generate", "-m", model.toString(), "--cache", "sink:4:16", "-n", "100",
                "--ignore-eos", "-p", "once upon a time");
        assertThat(generate.exitCode()).as(generate.stderr()).isZero();
    }

    @Test
    void modelsListsTheRegistryAndTheReadmeTheSame() throws IOException {
        CliRun models = CliRun.of("models");
        assertThat(models.exitCode()).as(models.stderr()).isZero();
        for (Capabilities.Architecture a : Capabilities.architectures()) {
            assertThat(models.stdout()).contains("  " + a.ggufName() + " / ");
        }
        String readme = Files.readString(CliRun.repositoryRoot().resolve("README.md"));
        for (String line : models.stdout().lines().toList()) {
            assertThat(readme).as("README.md lists what `streamllm models` prints").contains(line.strip());
        }
    }
}
