package io.streamllm.hf;

import io.streamllm.api.ModelFormatException;
import io.streamllm.engine.Session;
import io.streamllm.kv.DensePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import io.streamllm.testing.Safetensors;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A Hugging Face model split into shards with an index loads as the single-file model does. */
class ShardedSafetensorsTest {
    @TempDir
    Path dir;

    @Test
    void shardsWithAnIndexGiveTheSameModel() throws IOException {
        Path original = References.tinystories656k();
        Path sharded = dir.resolve("sharded");
        Files.createDirectories(sharded);
        for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "generation_config.json")) {
            Files.copy(original.resolve(file), sharded.resolve(file));
        }
        List<String> names;
        try (SafetensorsFile whole = SafetensorsFile.open(original.resolve("model.safetensors"))) {
            names = new ArrayList<>(whole.tensors().keySet());
            int half = names.size() / 2;
            Safetensors.write(sharded.resolve("model-00001-of-00002.safetensors"), whole.tensors(), names.subList(0, half));
            Safetensors.write(sharded.resolve("model-00002-of-00002.safetensors"), whole.tensors(), names.subList(half, names.size()));
            StringJoiner weightMap = new StringJoiner(",", "{\"metadata\": {}, \"weight_map\": {", "}}");
            for (int i = 0; i < names.size(); i++) {
                weightMap.add("\"" + names.get(i) + "\": \"model-0000" + (i < half ? 1 : 2) + "-of-00002.safetensors\"");
            }
            Files.writeString(sharded.resolve("model.safetensors.index.json"), weightMap.toString());
        }

        assertThat(logits(sharded)).containsExactly(logits(original));

        Files.delete(sharded.resolve("model-00002-of-00002.safetensors"));
        assertThatThrownBy(() -> ModelLoader.load(sharded, TestPool.shared()))
                .isInstanceOf(ModelFormatException.class).hasMessageContaining("model-00002-of-00002.safetensors' is missing");
    }

    private static float[] logits(Path model) {
        try (Model m = ModelLoader.load(model, TestPool.shared())) {
            return new Session(m.network(), new DensePolicy()).feed(new int[] {1, 147, 201, 282, 81, 286}).clone();
        }
    }
}
