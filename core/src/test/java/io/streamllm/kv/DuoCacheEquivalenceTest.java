package io.streamllm.kv;

import io.streamllm.api.KvType;
import io.streamllm.engine.Session;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.DuoRetention;
import io.streamllm.testing.ReRotatingReference;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * duo:S:W:R, fast engine against DuoAttention's definition ({@link DuoRetention}) run by the re-rotating
 * reference: retrieval heads see every token at its stream position, streaming heads a sink cache at in-cache
 * positions, step by step on a stream that evicts; the streaming heads' memory stays flat, the retrieval heads'
 * grows by their share only.
 */
class DuoCacheEquivalenceTest {
    private static final double TOLERANCE = 2e-4;
    private static final int STEPS = 90;

    @ParameterizedTest(name = "{0} duo:{1}:{2} with {3} of the heads for retrieval (split seed {4})")
    @CsvSource({
            "stories260K, 4, 12, 0.5, 1",
            "stories260K, 2, 20, 0.25, 2",
            "stories260K, 4, 12, 0, 3",
            "stories260K, 4, 12, 1, 4",
            "tinystories-656k, 4, 16, 0.5, 5",
    })
    void fastCacheEqualsTheDefinition(String modelName, int sinks, int window, double share, long seed) {
        int[] stream = References.referenceStream(modelName);
        try (Model model = ModelLoader.load(References.shippedModel(modelName), TestPool.shared())) {
            HeadSplit split = randomSplit(model, share, seed);
            Session fast = new Session(model.network(), new DuoPolicy(sinks, window, share).withSplit(split), 8, 1);
            ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(),
                    new DuoRetention(sinks, window, split::isRetrieval));
            for (int t = 0; t < STEPS; t++) {
                float[] logits = fast.feed(stream[t]);
                assertThat(References.maxDifference(logits, reference.step(stream[t]))).as("max |fast - definition| of the logits at step %d", t).isLessThan(TOLERANCE);
            }
        }
    }

    @Test
    void aBatchedPrefillAndASnapshotGiveWhatTokenByTokenGives() throws IOException {
        int[] stream = References.referenceStream("stories260K");
        try (Model model = ModelLoader.load(References.stories260K(), TestPool.shared())) {
            DuoPolicy policy = new DuoPolicy(4, 12, 0.5).withSplit(randomSplit(model, 0.5, 7));
            Session single = new Session(model.network(), policy, 1, 1);
            Session chunked = new Session(model.network(), policy, 16, 1);
            for (int t = 0; t < 50; t++) {
                single.feed(stream[t]);
            }
            float[] logits = chunked.feed(stream, 0, 50);
            assertThat(maxDifference(logits, single.logits())).isLessThan(1e-4);

            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            chunked.writeTo(new DataOutputStream(bytes));
            Session restored = new Session(model.network(), policy, 16, 1);
            restored.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
            for (int t = 50; t < 80; t++) {
                assertThat(restored.feed(stream[t])).as("logits at %d", t).containsExactly(chunked.feed(stream[t]));
            }
        }
    }

    @Test
    void theRetrievalHeadsAloneGrow() {
        try (Model model = ModelLoader.load(References.stories260K(), TestPool.shared())) {
            int[] stream = References.referenceStream("stories260K");
            long[] bytes = new long[3];
            double[] shares = {0, 0.5, 1};
            for (int s = 0; s < shares.length; s++) {
                Session session = new Session(model.network(),
                        new DuoPolicy(4, 12, shares[s]).withSplit(randomSplit(model, shares[s], 1)), 8, 1, KvType.F32);
                session.feed(stream, 0, 1024);
                long after1024 = session.cacheStats().allocatedBytes();
                session.feed(stream, 0, 1024);
                bytes[s] = session.cacheStats().allocatedBytes() - after1024;
            }
            assertThat(bytes[0]).as("all streaming: flat").isZero();
            assertThat(bytes[1]).as("half the heads keep every token").isPositive();
            assertThat(bytes[2]).as("all retrieval").isEqualTo(2 * bytes[1]);
        }
    }

    @Test
    void aDuoPolicyWithoutItsHeadsIsRefused() {
        try (Model model = ModelLoader.load(References.stories260K(), TestPool.shared())) {
            assertThatThrownBy(() -> new Session(model.network(), new DuoPolicy(4, 12, 0.5), 8, 1))
                    .hasMessageContaining("needs the model's retrieval heads");
        }
    }

    private static HeadSplit randomSplit(Model model, double share, long seed) {
        Random random = new Random(seed);
        double[][] scores = new double[model.config().blockCount()][model.config().headCountKv()];
        for (double[] layer : scores) {
            for (int h = 0; h < layer.length; h++) {
                layer[h] = random.nextDouble();
            }
        }
        return HeadSplit.top(scores, share);
    }

    private static double maxDifference(float[] a, float[] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

}
