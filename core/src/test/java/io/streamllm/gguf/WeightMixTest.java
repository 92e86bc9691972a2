package io.streamllm.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.streamllm.api.StreamllmException;
import io.streamllm.engine.Session;
import io.streamllm.kv.DensePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.References;
import io.streamllm.util.Json;
import io.streamllm.testing.TestPool;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** synth's K-quant mixes choose each matrix's type as llama-quantize does. */
class WeightMixTest {
    @TempDir
    Path dir;

    /** The reference files' tensor types are llama-quantize's own choice for these mixes (2 layers, 256 columns). */
    @Test
    @SuppressWarnings("unchecked")
    void mixesMatchLlamaQuantizeOnTheReferenceFiles() throws IOException {
        List<Path> files;
        try (Stream<Path> list = Files.list(References.directory("quant"))) {
            files = list.filter(p -> p.toString().endsWith("q4_k_m.json") || p.toString().endsWith("q5_k_m.json")).sorted().toList();
        }
        assertThat(files).isNotEmpty();
        for (Path file : files) {
            Map<String, Object> reference = Json.parseObject(Files.readString(file));
            WeightMix mix = WeightMix.parse((String) reference.get("llama_quantize_type"));
            Map<String, Object> types = (Map<String, Object>) reference.get("tensor_types");
            for (Map.Entry<String, Object> tensor : types.entrySet()) {
                String name = tensor.getKey();
                if (name.endsWith(".weight") && !name.contains("norm")) {
                    assertThat(mix.typeOf(name, 256, 2, types.containsKey("output.weight")).name())
                            .as("%s %s", file.getFileName(), name).isEqualTo(tensor.getValue());
                }
            }
        }
    }

    @Test
    void useMoreBitsPicksAboutHalfOfTheLayers() {
        // llama.cpp's rule, at Llama-3.2-1B's 16 layers: 0, 1 (first eighth), 14, 15 (last) and every third between.
        List<Integer> picked = java.util.stream.IntStream.range(0, 16).filter(i -> WeightMix.useMoreBits(i, 16)).boxed().toList();
        assertThat(picked).containsExactly(0, 1, 4, 7, 10, 13, 14, 15);
    }

    @Test
    void synthWritesTheQ4KMMixAndItRuns() {
        SyntheticModel.Shape shape = new SyntheticModel.Shape("k-tiny", "llama", 256, 8, 4, 2, 512, 300, 256,
                10000f, true, false, false);
        Path file = dir.resolve("k-tiny-q4_k_m.gguf");
        SyntheticModel.write(shape, WeightMix.Q4_K_M, file, 3, TestPool.shared(), bytes -> { });
        try (Model model = ModelLoader.load(file, TestPool.shared())) {
            // Tied embeddings: the token table is also the output matrix, so it gets Q6_K.
            assertThat(model.store().get("token_embd.weight").type()).isEqualTo(GgmlType.Q6_K);
            for (int layer = 0; layer < 8; layer++) {
                GgmlType more = WeightMix.useMoreBits(layer, 8) ? GgmlType.Q6_K : GgmlType.Q4_K;
                assertThat(model.store().get("blk." + layer + ".attn_v.weight").type()).isEqualTo(more);
                assertThat(model.store().get("blk." + layer + ".ffn_down.weight").type()).isEqualTo(more);
                assertThat(model.store().get("blk." + layer + ".attn_q.weight").type()).isEqualTo(GgmlType.Q4_K);
                assertThat(model.store().get("blk." + layer + ".ffn_up.weight").type()).isEqualTo(GgmlType.Q4_K);
            }
            float[] logits = new Session(model.network(), new DensePolicy()).feed(new int[] {1, 270, 280, 290});
            for (float l : logits) {
                assertThat(l).isFinite();
            }
        }
    }

    @Test
    void unknownNamesListWhatIsSupported() {
        assertThatThrownBy(() -> WeightMix.parse("Q3_K_XL"))
                .isInstanceOf(StreamllmException.class)
                .hasMessageContaining("unknown tensor type 'Q3_K_XL'")
                .hasMessageContaining("Q4_K, Q5_K, Q6_K")
                .hasMessageContaining("Q4_K_M, Q5_K_M");
        assertThat(WeightMix.parse("q4_k_m")).isEqualTo(WeightMix.Q4_K_M);
        assertThat(WeightMix.parse("q6_k").base()).isEqualTo(GgmlType.Q6_K);
    }
}
