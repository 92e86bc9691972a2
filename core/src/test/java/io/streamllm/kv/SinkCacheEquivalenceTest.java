package io.streamllm.kv;

import io.streamllm.engine.Session;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.ReRotatingReference;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The fast sink cache (keys rotated once at absolute positions, ring buffer, second query rotation
 * for the sinks) against StreamingLLM's definition (keys re-rotated at in-cache positions every step),
 * on streams that jump to absolute positions up to 4.10^9.
 */
class SinkCacheEquivalenceTest {
    private static final double TOLERANCE = 2e-4;
    private static final int WARM_UP = 40;
    private static final int AFTER_JUMP = 60;

    @ParameterizedTest(name = "{0} sink:{1}:{2} chunk {3}, jump to {4}")
    @CsvSource({
            "stories260K, 4, 12, 1, 0",
            "stories260K, 4, 12, 1, 1000",
            "stories260K, 4, 12, 1, 10000000",
            "stories260K, 1, 20, 1, 12345678",
            "stories260K, 0, 16, 1, 10000000",
            "stories260K, 4, 12, 5, 10000000",
            "tinystories-656k, 4, 12, 1, 10000000",
            "tinystories-656k, 2, 30, 3, 4000000000",
    })
    void fastCacheEqualsReRotatingEverything(String modelName, int sinks, int window, int evictChunk, long jumpTo) {
        int[] stream = References.referenceStream(modelName);
        Path path = References.shippedModel(modelName);
        try (Model model = ModelLoader.load(path, TestPool.shared())) {
            Session fast = new Session(model.network(), new SinkWindowPolicy(sinks, window), 8, evictChunk);
            ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(), sinks, window, evictChunk);

            int t = 0;
            for (; t < WARM_UP; t++) {
                assertSameLogits(fast.feed(stream[t]), reference.step(stream[t]), "step " + t);
            }
            if (jumpTo > 0) {
                fast.fastForward(jumpTo);
                reference.dropWindow();
            }
            for (; t < WARM_UP + AFTER_JUMP; t++) {
                assertSameLogits(fast.feed(stream[t]), reference.step(stream[t]), "step " + t + " after jumping to " + jumpTo);
            }
            assertThat(fast.cacheStats().size()).isLessThanOrEqualTo(sinks + window);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"stories260K", "tinystories-656k"})
    void aStreamAtPosition10To7BehavesAsAtPosition10To3(String modelName) {
        int[] stream = References.referenceStream(modelName);
        Path path = References.shippedModel(modelName);
        try (Model model = ModelLoader.load(path, TestPool.shared())) {
            float[][] near = runWithJump(model, stream, 1_000);
            float[][] far = runWithJump(model, stream, 10_000_000);
            for (int i = 0; i < near.length; i++) {
                double maxError = 0;
                for (int j = 0; j < near[i].length; j++) {
                    maxError = Math.max(maxError, Math.abs(near[i][j] - far[i][j]));
                }
                assertThat(maxError).as("logits after the jump, step %d", i).isLessThan(TOLERANCE);
            }
        }
    }

    private static float[][] runWithJump(Model model, int[] stream, long jumpTo) {
        Session session = new Session(model.network(), new SinkWindowPolicy(4, 12));
        for (int t = 0; t < 20; t++) {
            session.feed(stream[t]);
        }
        session.fastForward(jumpTo);
        float[][] logits = new float[30][];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = session.feed(stream[20 + i]).clone();
        }
        return logits;
    }

    private static void assertSameLogits(float[] fast, double[] reference, String where) {
        assertThat(References.maxDifference(fast, reference)).as("max |fast - definition| of the logits at %s", where).isLessThan(TOLERANCE);
    }
}
