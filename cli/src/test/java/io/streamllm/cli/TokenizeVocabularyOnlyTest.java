package io.streamllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code streamllm tokenize} on llama.cpp's vocabulary-only GGUFs: no weights, and architectures the engine
 * does not run (gpt2, falcon, mpt, phi3). The ids are those of the file's .out (Hugging Face's), with BOS
 * first where the vocabulary adds one.
 */
class TokenizeVocabularyOnlyTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({"ggml-vocab-gpt-2.gguf, ''", "ggml-vocab-falcon.gguf, ''", "ggml-vocab-mpt.gguf, ''",
            "ggml-vocab-deepseek-llm.gguf, '100000, '", "ggml-vocab-phi-3.gguf, '1, '"})
    void tokenizeNeedsOnlyTheVocabulary(String file, String bos) throws IOException {
        Path gguf = References.directory("vocab").resolve(file);
        List<String> texts = List.of(Files.readString(gguf.resolveSibling(file + ".inp"), StandardCharsets.UTF_8)
                .split("\n__ggml_vocab_test__\n"));
        List<String> ids = Files.readAllLines(gguf.resolveSibling(file + ".out"), StandardCharsets.UTF_8);
        int index = texts.indexOf("Hello, world!");
        assertThat(index).isNotNegative();

        CliRun run = CliRun.of("tokenize", "-m", gguf.toString(), "-p", texts.get(index));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout().strip()).isEqualTo("[" + bos + ids.get(index).strip().replace(" ", ", ") + "]");
    }
}
