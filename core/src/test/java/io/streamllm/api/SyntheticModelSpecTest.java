package io.streamllm.api;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Random-weight models written through the API load back with the shape, type and size they were asked for. */
class SyntheticModelSpecTest {
    @TempDir
    Path dir;

    @Test
    void namesAreCheckedAndWrittenTheCanonicalWay() {
        SyntheticModelSpec spec = SyntheticModelSpec.of("tiny", "q8_0");
        assertThat(spec.shape()).isEqualTo("tiny");
        assertThat(spec.weightType()).isEqualTo("Q8_0");
        assertThat(SyntheticModelSpec.shapes()).contains("llama-1b", "qwen2-0.5b", "tiny");
        assertThat(SyntheticModelSpec.weightTypes()).contains("F32", "Q8_0", "Q4_K_M").endsWith("Q5_K_M");
        assertThatThrownBy(() -> SyntheticModelSpec.of("huge", "F32")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("unknown shape 'huge'").hasMessageContaining("llama-1b");
        assertThatThrownBy(() -> SyntheticModelSpec.of("tiny", "Q9")).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("unknown tensor type 'Q9'").hasMessageContaining("Q4_K_M");
        // A 1B model at 8.5 bits per weight is about 1.3 GB.
        SyntheticModelSpec large = SyntheticModelSpec.of("llama-1b", "Q8_0");
        assertThat(large.parameters()).isBetween(1_200_000_000L, 1_300_000_000L);
        assertThat(large.approximateBytes()).isBetween(large.parameters(), large.parameters() * 9 / 8);
    }

    @Test
    void aWrittenModelLoadsWithItsShapeAndWeights() throws IOException {
        SyntheticModelSpec spec = SyntheticModelSpec.of("tiny", "Q8_0");
        Path file = dir.resolve("tiny.gguf");
        List<Long> progress = new ArrayList<>();
        spec.write(file, 7, progress::add);

        assertThat(progress).isSorted().isNotEmpty();
        try (StreamingModel model = StreamingModel.load(file, new ModelOptions(1))) {
            assertThat(model.info().layers()).isEqualTo(2);
            assertThat(model.info().vocabularySize()).isEqualTo(300);
            ModelWeights weights = model.weights();
            assertThat(weights.parameters()).isEqualTo(spec.parameters());
            assertThat(weights.layerType()).isEqualTo("Q8_0");
            // Progress counts the weight matrices; the norms' few floats come on top, the metadata beside.
            assertThat(weights.bytes()).isBetween(progress.getLast(), progress.getLast() + 2048)
                    .isLessThan(Files.size(file));
            assertThat(weights.bytesPerToken()).isPositive().isLessThan(weights.bytes());
            assertThat(model.newSession(CachePolicy.dense()).score(new int[] {1, 5, 9}, nll -> { })).isPositive();
        }

        Path again = dir.resolve("again.gguf");
        spec.write(again, 7, bytes -> { });
        assertThat(Files.readAllBytes(again)).isEqualTo(Files.readAllBytes(file));
    }
}
