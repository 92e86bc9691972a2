package io.streamllm.api;

import io.streamllm.model.Architecture;
import io.streamllm.model.Architectures;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.References;
import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the API says this build runs is the loader's table; a tokenizer loads without the weights. */
class CapabilitiesTest {

    @Test
    void architecturesAndTensorTypesAreTheLoaders() {
        assertThat(Capabilities.architectures()).extracting(Capabilities.Architecture::ggufName)
                .containsExactlyElementsOf(Architectures.ggufNames()).contains("llama", "qwen2");
        for (Architecture a : Architectures.all()) {
            assertThat(Capabilities.architectures()).contains(
                    new Capabilities.Architecture(a.ggufName(), a.hfModelTypes(), a.description()));
        }
        assertThat(Capabilities.tensorTypes()).containsExactlyElementsOf(
                GgmlType.supportedTypes().stream().map(GgmlType::name).toList()).contains("F32", "Q8_0", "Q4_K");
    }

    @Test
    void aTokenizerLoadsWithoutItsModel() {
        Tokenizer tokenizer = Tokenizer.load(References.stories260K());
        Tokenizer models = SharedModel.streamingStories260K().tokenizer();
        String text = "Once upon a time, there was a little girl named Lily.";
        assertThat(tokenizer.encode(text)).containsExactly(models.encode(text));
        assertThat(tokenizer.vocabularySize()).isEqualTo(models.vocabularySize());
        assertThatThrownBy(() -> Tokenizer.load(Path.of("absent.gguf"))).isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no such file");
    }
}
