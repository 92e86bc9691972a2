package io.streamllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * `streamllm perplexity` on the GPT-NeoX, Falcon and MPT files of reference/arch, dense and sink:4:12, agrees with
 * the NLL of llama.cpp's own dense and streaming (4 sinks + 12 window) logits. (ArchitectureCommandsTest runs
 * perplexity and sink generation on every reference model.)
 */
class GeluArchitectureCommandsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"gptneox", "falcon", "mpt"})
    @SuppressWarnings("unchecked")
    void perplexityDenseAndStreamingMatchLlamaCpp(String name) throws IOException {
        Map<String, Object> reference = References.json("arch/" + name + ".json");
        int[] tokens = References.ints(reference.get("tokens"));
        PerplexityRun run = PerplexityRun.of(References.file("arch/" + name + ".gguf"), tokens, dir);
        Map<String, Object> streaming = (Map<String, Object>) reference.get("streaming");
        double expectedDense = References.meanNll((List<List<Number>>) reference.get("dense_logits"), tokens);
        double expectedSink = References.meanNll((List<List<Number>>) streaming.get("logits"), tokens);
        assertThat(run.denseNll()).isCloseTo(expectedDense, Offset.offset(1e-4 * expectedDense));
        assertThat(run.sinkNll()).isCloseTo(expectedSink, Offset.offset(1e-4 * expectedSink));
    }
}
