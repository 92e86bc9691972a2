package io.streamllm.model;

import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.model.arch.Falcon;
import io.streamllm.model.arch.Gemma2;
import io.streamllm.model.arch.GptNeoX;
import io.streamllm.model.arch.Mpt;
import io.streamllm.model.blocks.Activation;
import io.streamllm.model.blocks.Weights;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * GPT-NeoX (Pythia), Falcon, MPT and Gemma 2 computed with exact GELU ({@link Activation#GELU_TANH}) against llama.cpp built
 * without ggml's fp16 GELU table (reference/arch/exact_gelu): dense logits at all 48 positions and sink 4 + window 12
 * at all 48 steps, within the README's tight tolerance. (Their default, the table, is checked against stock
 * llama.cpp in {@link LlamaCppArchitectureTest}.)
 */
class GeluArchitectureTest {
    @ParameterizedTest
    // Gemma 2's 26 layers (llama.cpp runs it with no fewer) add up float32 rounding: 1e-4.
    @CsvSource({"gptneox, 1e-5", "falcon, 1e-5", "mpt, 1e-5", "gemma2, 1e-4"})
    void exactGeluMatchesLlamaCppWithoutTheTable(String name, double tolerance) {
        Architecture architecture = switch (name) {
            case "gptneox" -> new GptNeoX(Activation.GELU_TANH);
            case "falcon" -> new Falcon(Activation.GELU_TANH);
            case "gemma2" -> new Gemma2(Activation.GELU_TANH);
            default -> new Mpt(Activation.GELU_TANH);
        };
        try (GgufFile file = GgufFile.open(References.file("arch/" + name + ".gguf"))) {
            GgufTensorStore store = new GgufTensorStore(file);
            ModelConfig config = architecture.fromGguf(new GgufConfig(file.metadata(), store, name));
            Weights weights = new Weights(store, name);
            Transformer network = architecture.load(config, weights, TestPool.shared());
            weights.requireAllRead();
            LlamaCppArchitectureTest.assertMatches(network, References.json("arch/exact_gelu/" + name + ".json"),
                    tolerance, name + " exact GELU");
        }
    }
}
