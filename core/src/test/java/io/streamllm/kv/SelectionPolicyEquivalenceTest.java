package io.streamllm.kv;

import io.streamllm.engine.Session;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.HeavyHitterRetention;
import io.streamllm.testing.ReRotatingReference;
import io.streamllm.testing.References;
import io.streamllm.testing.Retention;
import io.streamllm.testing.SnapKvRetention;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The policies that keep tokens by the attention they receive (h2o:S:H:W, snapkv:S:K:W:O), fast engine against
 * their definitions ({@link HeavyHitterRetention}, {@link SnapKvRetention}) run by the re-rotating reference:
 * step by step on streams that evict, the same tokens held (the stream positions of the keys every query
 * attends to) and the same logits, which shows the kept tokens' in-cache positions exact; then after a jump to
 * a far position, where a kept token's stream and in-cache positions differ by millions.
 */
class SelectionPolicyEquivalenceTest {
    private static final double TOLERANCE = 2e-4;
    private static final int WARM_UP = 70;
    private static final int AFTER_JUMP = 40;

    @ParameterizedTest(name = "{0} {1}, jump to {2}")
    @CsvSource({
            "stories260K, h2o:4:6:10, 0",
            "stories260K, h2o:2:12:8, 10000000",
            "stories260K, h2o:0:5:12, 0",
            "stories260K, snapkv:4:6:10:4, 0",
            "stories260K, snapkv:1:8:12:12, 12345678",
            "tinystories-656k, h2o:4:8:12, 4000000000",
            "tinystories-656k, snapkv:4:8:16:5, 0",
    })
    void fastCacheEqualsTheDefinition(String modelName, String spec, long jumpTo) {
        int[] stream = References.referenceStream(modelName);
        CachePolicy policy = CachePolicy.parse(spec);
        try (Model model = ModelLoader.load(References.shippedModel(modelName), TestPool.shared())) {
            Session fast = new Session(model.network(), policy, 8, 1);
            List<long[]> heldByFast = new ArrayList<>();
            fast.observeAttention((layer, head, query, weights, offset, keyPositions, keys) -> {
                if (layer == 0 && head == 0) {
                    heldByFast.add(java.util.Arrays.copyOf(keyPositions, keys));
                }
            });
            ReRotatingReference reference = new ReRotatingReference(model.config(), model.store(), definition(policy));

            int t = 0;
            for (; t < WARM_UP; t++) {
                float[] logits = fast.feed(stream[t]);
                double[] expected = reference.step(stream[t]);
                assertThat(heldByFast.getLast()).as("keys of query %d", t).containsExactly(reference.lastKeyPositions(0, 0));
                assertSameLogits(logits, expected, "step " + t);
            }
            assertThat(fast.cacheStats().size()).as("tokens held once full (a round frees up to its size)")
                    .isBetween(policy.capacity() - policy.roundTokens() + 1, policy.capacity());
            if (jumpTo > 0) {
                fast.fastForward(jumpTo);
                reference.dropWindow();
            }
            for (; t < WARM_UP + AFTER_JUMP; t++) {
                assertSameLogits(fast.feed(stream[t]), reference.step(stream[t]), "step " + t + " after jumping to " + jumpTo);
            }
            assertThat(fast.cacheStats().size()).isLessThanOrEqualTo(policy.capacity());
        }
    }

    /** Batches end where the cache must choose, so feeding in chunks gives what feeding token by token gives. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"h2o:4:6:10", "snapkv:4:6:10:4"})
    void chunkedPrefillEqualsTokenByToken(String spec) {
        int[] stream = References.referenceStream("stories260K");
        try (Model model = ModelLoader.load(References.stories260K(), TestPool.shared())) {
            Session single = new Session(model.network(), CachePolicy.parse(spec), 1, 1);
            Session chunked = new Session(model.network(), CachePolicy.parse(spec), 16, 1);
            for (int start = 0; start + 13 <= 91; start += 13) {
                float[] expected = null;
                for (int t = start; t < start + 13; t++) {
                    expected = single.feed(stream[t]).clone();
                }
                float[] logits = chunked.feed(stream, start, 13);
                double maxError = 0;
                for (int i = 0; i < expected.length; i++) {
                    maxError = Math.max(maxError, Math.abs(expected[i] - logits[i]));
                }
                assertThat(maxError).as("logits after token %d", start + 12).isLessThan(1e-4);
            }
        }
    }

    /** A snapshot carries the kept tokens and the attention they received: the restored stream goes on unchanged. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"h2o:4:6:10", "snapkv:4:6:10:4"})
    void aRestoredSnapshotContinuesTheStream(String spec) throws java.io.IOException {
        int[] stream = References.referenceStream("stories260K");
        try (Model model = ModelLoader.load(References.stories260K(), TestPool.shared())) {
            Session original = new Session(model.network(), CachePolicy.parse(spec), 8, 1);
            original.feed(stream, 0, 47);
            var bytes = new java.io.ByteArrayOutputStream();
            original.writeTo(new java.io.DataOutputStream(bytes));
            Session restored = new Session(model.network(), CachePolicy.parse(spec), 8, 1);
            restored.readFrom(new java.io.DataInputStream(new java.io.ByteArrayInputStream(bytes.toByteArray())));
            for (int t = 47; t < 90; t++) {
                assertThat(restored.feed(stream[t])).as("logits at %d", t).containsExactly(original.feed(stream[t]));
            }
        }
    }

    static Retention definition(CachePolicy policy) {
        return switch (policy) {
            case HeavyHitterPolicy h -> new HeavyHitterRetention(h.sinks(), h.heavy(), h.window());
            case SnapKvPolicy s -> new SnapKvRetention(s.sinks(), s.kept(), s.window(), s.observed());
            default -> throw new IllegalArgumentException(policy.spec());
        };
    }



    private static void assertSameLogits(float[] fast, double[] reference, String where) {
        assertThat(References.maxDifference(fast, reference)).as("max |fast - definition| of the logits at %s", where).isLessThan(TOLERANCE);
    }
}
