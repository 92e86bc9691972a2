package io.streamllm.gguf;

import io.streamllm.engine.Session;
import io.streamllm.kv.DensePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** Synthetic models load and run in every type, and the types agree within their precision. */
class SyntheticModelTest {
    @TempDir
    Path dir;

    @Test
    void everyTypeLoadsAndAgreesWithFloat32() {
        float[] reference = run(GgmlType.F32);
        // Errors relative to the largest logit; each bound is a few times the type's rounding step.
        assertThat(relativeDifference(run(GgmlType.F16), reference)).isLessThan(2e-3);
        assertThat(relativeDifference(run(GgmlType.BF16), reference)).isLessThan(2e-2);
        assertThat(relativeDifference(run(GgmlType.Q8_0), reference)).isLessThan(2e-2);
        assertThat(relativeDifference(run(GgmlType.Q4_0), reference)).isLessThan(0.25);
    }

    @Test
    void filesAreReproducibleFromTheSeed() throws Exception {
        Path a = dir.resolve("a.gguf");
        Path b = dir.resolve("b.gguf");
        SyntheticModel.write(SyntheticModel.TINY, GgmlType.Q4_0, a, 7, TestPool.shared(), bytes -> { });
        SyntheticModel.write(SyntheticModel.TINY, GgmlType.Q4_0, b, 7, Parallel.create(1), bytes -> { });
        assertThat(java.nio.file.Files.mismatch(a, b)).isEqualTo(-1L);
    }

    private float[] run(GgmlType type) {
        Path file = dir.resolve("tiny-" + type + ".gguf");
        SyntheticModel.write(SyntheticModel.TINY, type, file, 3, TestPool.shared(), bytes -> { });
        try (Model model = ModelLoader.load(file, TestPool.shared())) {
            assertThat(model.store().get("blk.0.attn_q.weight").type()).isEqualTo(type);
            Session session = new Session(model.network(), new DensePolicy());
            float[] logits = session.feed(new int[] {1, 270, 280, 290, 10});
            for (float l : logits) {
                assertThat(l).isFinite();
            }
            return logits.clone();
        }
    }

    private static double relativeDifference(float[] actual, float[] reference) {
        double maxDifference = 0;
        double maxMagnitude = 0;
        for (int i = 0; i < actual.length; i++) {
            maxDifference = Math.max(maxDifference, Math.abs(actual[i] - reference[i]));
            maxMagnitude = Math.max(maxMagnitude, Math.abs(reference[i]));
        }
        return maxDifference / maxMagnitude;
    }
}
