package io.streamllm.engine;

import io.streamllm.kv.DensePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Greedy decoding after BOS alone reproduces the reference ids of both shipped models. */
class GreedyFromBosTest {

    @ParameterizedTest
    @ValueSource(strings = {"stories260K", "tinystories-656k"})
    void greedyIdsMatchTheReference(String modelName) {
        Map<String, Object> reference = References.json(modelName + "-stream-seed0.json");
        int[] expected = References.ints(reference.get("greedy_from_bos_64"));
        int bos = ((Number) reference.get("bos")).intValue();
        Path path = modelName.equals("stories260K") ? References.stories260K() : References.tinystories656k();

        try (Model model = ModelLoader.load(path, TestPool.shared())) {
            Session session = new Session(model.network(), new DensePolicy());
            float[] logits = session.feed(bos);
            int[] generated = new int[expected.length];
            for (int i = 0; i < expected.length; i++) {
                generated[i] = argmax(logits);
                logits = session.feed(generated[i]);
            }
            assertThat(generated).containsExactly(expected);
        }
    }

    private static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }
}
