package io.streamllm.model;

import io.streamllm.engine.Session;
import io.streamllm.kv.KvCache;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tiny random-weight models run by llama.cpp (build 4748, F32 KV cache): logits of a dense batch
 * and of a StreamingLLM stream (4 sinks + 12 window, llama.cpp's own KV shift) must match ours.
 * Covers adjacent-pair RoPE (llama), tied embeddings (llama_tied), split-half RoPE with QKV biases (qwen2),
 * fused qkv and gate_up (phi3), and Gemma 2's scaled embeddings, sandwich norms, soft-capping and sliding
 * window on even layers (gemma2), GPT-NeoX, Falcon and MPT, these four with ggml's fp16 GELU table emulated (their
 * runs with exact GELU: {@link GeluArchitectureTest}).
 */
class LlamaCppArchitectureTest {
    @ParameterizedTest
    @CsvSource({"llama, 1e-4", "llama_tied, 1e-4", "qwen2, 1e-4", "phi3, 1e-4",
            // Emulating the table leaves isolated fp16 flips, which llama.cpp's own batched and one-token paths show too.
            "gemma2, 6e-4", "gptneox, 6e-4", "falcon, 6e-4", "mpt, 6e-4"})
    void denseBatchAndSinkStreamMatchLlamaCpp(String name, double tolerance) {
        Map<String, Object> reference = References.json("arch/" + name + ".json");
        try (Model model = ModelLoader.load(References.file("arch/" + reference.get("gguf")), TestPool.shared())) {
            assertMatches(model.network(), reference, tolerance, name);
        }
    }

    /** Dense logits at every position and sink-stream logits at every step of {@code reference}, within {@code tolerance}. */
    @SuppressWarnings("unchecked")
    static void assertMatches(Transformer network, Map<String, Object> reference, double tolerance, String name) {
        int[] tokens = References.ints(reference.get("tokens"));
        List<List<Number>> dense = (List<List<Number>>) reference.get("dense_logits");
        Map<String, Object> streaming = (Map<String, Object>) reference.get("streaming");
        List<List<Number>> streamed = (List<List<Number>>) streaming.get("logits");
        int sinks = ((Number) streaming.get("sink")).intValue();
        int window = ((Number) streaming.get("window")).intValue();
        int vocab = network.config().vocabularySize();

        // Dense: the whole sequence as one batch, logits for every position.
        KvCache cache = new KvCache(network.config().kvShape(), new DensePolicy(), 1, tokens.length);
        float[] all = new float[tokens.length * vocab];
        network.forward(tokens, 0, tokens.length, cache, network.newState(tokens.length), all, true);
        for (int t = 0; t < tokens.length; t++) {
            assertClose(all, t * vocab, dense.get(t), tolerance, name + " dense position " + t);
        }

        // Streaming: one token at a time through the sink cache.
        Session session = new Session(network, new SinkWindowPolicy(sinks, window));
        for (int t = 0; t < tokens.length; t++) {
            float[] logits = session.feed(tokens[t]);
            assertClose(logits, 0, streamed.get(t), tolerance, name + " streaming step " + t);
        }
    }

    private static void assertClose(float[] actual, int offset, List<Number> expected, double tolerance, String what) {
        double maxError = 0;
        for (int i = 0; i < expected.size(); i++) {
            maxError = Math.max(maxError, Math.abs(actual[offset + i] - expected.get(i).floatValue()));
        }
        assertThat(maxError).as("max |ours - llama.cpp| at %s", what).isLessThan(tolerance);
    }
}
