package io.streamllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * perplexity and generate with a sink cache run on a Q4_K_M file made by llama-quantize
 * (reference/quant/llama-q4_k_m.gguf: Q4_K with Q6_K for output, blk.1.attn_v and blk.1.ffn_down).
 */
class QuantizedModelCommandsTest {
    @TempDir
    Path dir;

    private static Path model() {
        return References.file("quant/llama-q4_k_m.gguf");
    }

    @Test
    @SuppressWarnings("unchecked")
    void perplexityOnQ4KMMatchesTheFloat64ReferenceDenseAndStreaming() throws IOException {
        Map<String, Object> reference = References.json("quant/llama-q4_k_m.json");
        int[] tokens = References.ints(reference.get("tokens"));
        PerplexityRun run = PerplexityRun.of(model(), tokens, dir);
        // The README's tolerance: 2e-3 relative, for both policies (its streaming run is sink:4:12).
        double expectedDense = References.meanNll((List<List<Number>>) reference.get("float64_dense_logits"), tokens);
        double expectedSink = References.meanNll((List<List<Number>>) reference.get("float64_streaming_logits"), tokens);
        assertThat(run.denseNll()).isCloseTo(expectedDense, Offset.offset(2e-3 * expectedDense));
        assertThat(run.sinkNll()).isCloseTo(expectedSink, Offset.offset(2e-3 * expectedSink));
    }

    @Test
    void generateWithASinkCacheRunsPastTheWindow() {
        CliRun run = CliRun.of("generate", "-m", model().toString(), "-p", "Once upon a time", "-n", "40",
                "--cache", "sink:4:8", "--temp", "0");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).isNotBlank();
        assertThat(run.stderr()).contains("generated: 40 tokens");
    }
}
