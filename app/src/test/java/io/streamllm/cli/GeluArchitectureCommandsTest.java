package io.streamllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * perplexity (dense and sink:4:12) and generate with a sink cache run on the GPT-NeoX, Falcon and MPT files of
 * reference/arch; perplexity agrees with the NLL of llama.cpp's own dense and streaming logits.
 */
class GeluArchitectureCommandsTest {
    private static final Pattern MEAN_NLL = Pattern.compile("\"policy\":\"([^\"]+)\".*\"mean_nll\":([0-9.]+)");

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gptneox", "falcon", "mpt"})
    @SuppressWarnings("unchecked")
    void perplexityDenseAndStreamingMatchLlamaCpp(String name) throws IOException {
        Map<String, Object> reference = References.json("arch/" + name + ".json");
        int[] tokens = References.ints(reference.get("tokens"));
        // perplexity feeds BOS itself, then the stream: the reference's tokens after its BOS.
        Path stream = dir.resolve("tokens.json");
        Files.writeString(stream, Arrays.toString(Arrays.copyOfRange(tokens, 1, tokens.length)));

        CliRun run = CliRun.of("perplexity", "-m", References.file("arch/" + name + ".gguf").toString(),
                "--tokens", stream.toString(), "--cache", "dense", "--cache", "sink:4:12");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        Map<String, Object> streaming = (Map<String, Object>) reference.get("streaming");
        double expectedDense = References.meanNll((List<List<Number>>) reference.get("dense_logits"), tokens);
        double expectedSink = References.meanNll((List<List<Number>>) streaming.get("logits"), tokens);
        assertThat(meanNllOf(lines.get(0), "dense")).isCloseTo(expectedDense, Offset.offset(1e-4 * expectedDense));
        assertThat(meanNllOf(lines.get(1), "sink:4:12")).isCloseTo(expectedSink, Offset.offset(1e-4 * expectedSink));
    }

    @ParameterizedTest
    @ValueSource(strings = {"gptneox", "falcon", "mpt"})
    void generateWithASinkCacheRunsPastTheWindow(String name) {
        CliRun run = CliRun.of("generate", "-m", References.file("arch/" + name + ".gguf").toString(),
                "-p", "Once upon a time", "-n", "60", "--cache", "sink:4:12", "--temp", "0", "--ignore-eos");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("generated: 60 tokens");
    }

    private static double meanNllOf(String line, String policy) {
        Matcher m = MEAN_NLL.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        assertThat(m.group(1)).isEqualTo(policy);
        return Double.parseDouble(m.group(2));
    }
}
