package io.streamllm.model.blocks;

import io.streamllm.engine.Session;
import io.streamllm.kv.SinkWindowPolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.ReRotatingReference;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The weights an observer receives are StreamingLLM's attention by its definition: the double-precision
 * softmax(q.k/sqrt(d)) over the cached keys re-rotated at their in-cache positions
 * ({@link ReRotatingReference}), layer by layer and head by head, on a stream that evicts.
 */
class RecordedAttentionReferenceTest {
    private static final double TOLERANCE = 1e-4;
    private static final int STEPS = 50;

    @ParameterizedTest(name = "{0} sink:{1}:{2}")
    @CsvSource({"stories260K, 4, 12", "stories260K, 0, 16", "tinystories-656k, 2, 20"})
    void recordedWeightsEqualTheReferenceSoftmax(String modelName, int sinks, int window) {
        int[] stream = References.ints(References.json(modelName + "-stream-seed0.json").get("tokens"));
        Path path = modelName.equals("stories260K") ? References.stories260K() : References.tinystories656k();
        try (Model model = ModelLoader.load(path, TestPool.shared())) {
            int layers = model.config().blockCount();
            int heads = model.config().headCount();
            float[][][] recorded = new float[layers][heads][];
            Session fast = new Session(model.network(), new SinkWindowPolicy(sinks, window), 8, 1);
            fast.observeAttention((layer, head, query, weights, offset, keyPositions, keys) ->
                    recorded[layer][head] = Arrays.copyOfRange(weights, offset, offset + keys));
            ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(), sinks, window, 1);

            for (int t = 0; t < STEPS; t++) {
                fast.feed(stream[t]);
                reference.step(stream[t]);
                for (int l = 0; l < layers; l++) {
                    for (int h = 0; h < heads; h++) {
                        double[] expected = reference.lastAttention(l, h);
                        assertThat(recorded[l][h]).as("step %d layer %d head %d", t, l, h).hasSize(expected.length);
                        for (int j = 0; j < expected.length; j++) {
                            assertThat(Math.abs(recorded[l][h][j] - expected[j]))
                                    .as("step %d layer %d head %d key %d", t, l, h, j).isLessThan(TOLERANCE);
                        }
                    }
                }
            }
            assertThat(recorded[0][0]).hasSizeLessThanOrEqualTo(sinks + window + 1);
        }
    }
}
