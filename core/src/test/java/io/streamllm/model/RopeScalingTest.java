package io.streamllm.model;

import io.streamllm.testing.NoTensors;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.tensor.GgmlType;
import io.streamllm.util.Json;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Llama 3.1's long-context RoPE scaling, from a GGUF's rope_freqs tensor and from a Hugging Face config. */
class RopeScalingTest {
    /**
     * Llama 3.1 8B's divisors (head 128, theta 500000, factor 8, low 1, high 4, original context 8192),
     * computed with transformers' formula (_compute_llama3_parameters) in Python: 29 ones, a smooth
     * band, then the factor. They are also the values of rope_freqs.weight in Llama 3.1 GGUF files.
     */
    private static final float[] LLAMA_31_BAND = {1.207484f, 1.553415f, 2.026313f, 2.69453f, 3.684253f, 5.257327f};

    @Test
    void llama3DivisorsFollowTheReferenceFormula() {
        float[] divisors = RopeConfig.llama3Divisors(128, 500000, 8, 1, 4, 8192);
        assertThat(divisors).hasSize(64);
        for (int i = 0; i < 64; i++) {
            float expected = i < 29 ? 1f : i < 35 ? LLAMA_31_BAND[i - 29] : 8f;
            assertThat(divisors[i]).as("pair %d", i).isCloseTo(expected, within(2e-6f * expected));
        }
    }

    @Test
    void ggufRopeFreqsTensorSetsTheDivisors(@TempDir Path dir) {
        SyntheticModel.Shape shape = new SyntheticModel.Shape("tiny-llama3", "llama", 64, 2, 4, 2, 128, 300, 256,
                500000f, false, false, true);
        Path file = dir.resolve("tiny-llama3.gguf");
        SyntheticModel.write(shape, GgmlType.F32, file, 1, TestPool.shared(), bytes -> { });
        try (Model model = ModelLoader.load(file, TestPool.shared())) {
            float[] stored = model.store().get("rope_freqs.weight").floats();
            assertThat(model.config().rope().frequencyDivisors()).containsExactly(stored);
            double[] frequencies = model.config().rope().frequencies();
            for (int i = 0; i < frequencies.length; i++) {
                assertThat(frequencies[i]).isCloseTo(Math.pow(500000, -2.0 * i / 16) / stored[i], within(1e-12));
            }
        }
    }

    @Test
    void huggingFaceRopeScalingSetsTheDivisors() {
        String config = """
                {"model_type": "llama", "hidden_size": 4096, "num_attention_heads": 32, "num_key_value_heads": 8,
                 "num_hidden_layers": 32, "intermediate_size": 14336, "vocab_size": 128256,
                 "max_position_embeddings": 131072, "rms_norm_eps": 1e-05, "rope_theta": 500000.0,
                 "rope_scaling": {"factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 8192, "rope_type": "llama3"}}""";
        ModelConfig parsed = ModelLoader.configFromHuggingFace(Json.parseObject(config), new NoTensors());
        assertThat(parsed.rope().style()).isEqualTo(RopeStyle.SPLIT_HALF);
        assertThat(parsed.rope().frequencyDivisors()).containsExactly(RopeConfig.llama3Divisors(128, 500000, 8, 1, 4, 8192));
        assertThat(parsed.headCountKv()).isEqualTo(8);
        assertThat(parsed.contextLength()).isEqualTo(131072);
    }
}
