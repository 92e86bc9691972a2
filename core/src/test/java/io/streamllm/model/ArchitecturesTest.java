package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.testing.GgufEdit;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unknown input is refused, never skipped: an architecture, a model_type or a tensor the table does not know. */
class ArchitecturesTest {
    @TempDir
    Path dir;

    @Test
    void unknownGgufArchitectureListsTheSupportedOnes() {
        Path file = GgufEdit.copy(References.file("arch/llama.gguf"), dir.resolve("x.gguf"),
                key -> !key.equals("general.architecture"), w -> w.putString("general.architecture", "mamba"));
        assertThatThrownBy(() -> ModelLoader.load(file, TestPool.shared()).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unsupported architecture 'mamba'")
                .hasMessageContaining("supported: " + String.join(", ", Architectures.ggufNames()));
    }

    @Test
    void unknownHuggingFaceModelTypeListsTheSupportedOnes() throws Exception {
        Path model = Files.createDirectories(dir.resolve("hf"));
        Files.writeString(model.resolve("config.json"), "{\"model_type\": \"mamba\"}");
        assertThatThrownBy(() -> ModelLoader.load(model, TestPool.shared()).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unsupported model_type 'mamba'")
                .hasMessageContaining("supported: " + String.join(", ", Architectures.hfModelTypes()));
    }

    @Test
    void aTensorTheArchitectureDoesNotReadIsRefusedByName() {
        Path file = GgufEdit.copy(References.file("arch/llama.gguf"), dir.resolve("extra.gguf"), name -> true,
                w -> w.addTensor("blk.0.attn_q_norm.weight", new long[] {16}, new float[16]));
        assertThatThrownBy(() -> ModelLoader.load(file, TestPool.shared()).close())
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("tensor 'blk.0.attn_q_norm.weight' is not part of architecture llama");
    }

    @Test
    void everyArchitectureHasItsOwnGgufName() {
        assertThat(Architectures.ggufNames()).doesNotHaveDuplicates();
        assertThat(Architectures.hfModelTypes()).doesNotHaveDuplicates();
    }
}
