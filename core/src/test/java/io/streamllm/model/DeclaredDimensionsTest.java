package io.streamllm.model;

import io.streamllm.testing.ByteSearch;
import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.gguf.GgufWriter;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A hyper-parameter out of range is refused naming the key and the value, before it divides or allocates. */
class DeclaredDimensionsTest {
    @TempDir
    Path dir;

    @ParameterizedTest
    @CsvSource({
            "attention.head_count, 0, must be positive",
            "embedding_length, 0, must be positive",
            "context_length, 0, must be positive",
            "context_length, -5, must be positive",
            "feed_forward_length, 0, must be positive",
            "attention.head_count_kv, 3, does not divide the 4 query heads",
            "block_count, 0, must be positive",
            "rope.dimension_count, 3, must be even",
    })
    void ggufKeyOutOfRangeIsNamed(String key, int value, String why) {
        Map<String, Integer> keys = new LinkedHashMap<>(Map.of("embedding_length", 64, "attention.head_count", 4,
                "block_count", 1, "feed_forward_length", 128, "context_length", 256, "vocab_size", 300));
        keys.put(key, value);
        GgufWriter writer = new GgufWriter().putString("general.architecture", "llama")
                .putFloat32("llama.attention.layer_norm_rms_epsilon", 1e-5f)
                .addTensor("token_embd.weight", new long[] {4, 2}, new float[8]);
        keys.forEach((k, v) -> writer.putInt32("llama." + k, v));
        Path file = dir.resolve("config.gguf");
        writer.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            assertThatThrownBy(() -> ModelLoader.configFromGguf(gguf.metadata(), new GgufTensorStore(gguf)))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("llama." + key + " = " + value + " " + why);
        }
    }

    @Test
    void blockCountBeyondTheLayersInTheFileIsRefusedBeforeAllocatingThem() throws IOException {
        Path file = dir.resolve("tiny.gguf");
        SyntheticModel.write(SyntheticModel.TINY, GgmlType.F32, file, 1, TestPool.shared(), bytes -> { });
        byte[] bytes = Files.readAllBytes(file);
        byte[] key = "llama.block_count".getBytes(StandardCharsets.UTF_8);
        int valueAt = ByteSearch.indexOf(bytes, key) + key.length + 4; // after the key and its value type
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(valueAt, Integer.MAX_VALUE);
        Files.write(file, bytes);
        assertThatThrownBy(() -> ModelLoader.load(file, TestPool.shared()).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'blk.2147483646.attn_norm.weight' is missing");
    }


    @ParameterizedTest
    @CsvSource({
            "num_attention_heads, 0, must be positive",
            "hidden_size, 0, must be positive",
            "max_position_embeddings, 0, must be positive",
            "num_key_value_heads, 0, must be positive",
            "vocab_size, -1, must be positive",
    })
    void huggingFaceKeyOutOfRangeIsNamed(String key, int value, String why) {
        Map<String, Object> config = new LinkedHashMap<>(Map.of("model_type", "llama", "hidden_size", 64L,
                "num_attention_heads", 4L, "num_hidden_layers", 1L, "intermediate_size", 128L, "vocab_size", 300L,
                "max_position_embeddings", 256L, "rms_norm_eps", 1e-5));
        config.put(key, (long) value);
        assertThatThrownBy(() -> ModelLoader.configFromHuggingFace(config, new ManyTensors()))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining(key + " = " + value + " " + why);
    }

    /** A store that only counts: enough tensors for a few layers. */
    private static final class ManyTensors implements TensorStore {
        @Override
        public String source() {
            return "model-dir";
        }

        @Override
        public Set<String> names() {
            Set<String> names = new java.util.HashSet<>();
            for (int i = 0; i < 100; i++) {
                names.add("t" + i);
            }
            return names;
        }

        @Override
        public TensorView find(String name) {
            return null;
        }

        @Override
        public void close() {
        }
    }
}
