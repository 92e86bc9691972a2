package io.streamllm.api;

import io.streamllm.testing.References;
import io.streamllm.testing.SharedModel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What a recorder attached to a session receives: a distribution per layer, head and query, over the cached keys. */
class AttentionRecorderTest {
    private static final StreamingModel MODEL = SharedModel.streamingStories260K();
    private static final int[] STREAM = References.ints(References.json("stories260K-stream-seed0.json").get("tokens"));
    private static final int TOKENS = 60;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"dense", "sink:4:12", "window:10", "recompute:9"})
    void everyQueryOfEveryLayerAndHeadIsADistribution(String policy) {
        ModelInfo info = MODEL.info();
        List<AttentionWeights> recorded = new ArrayList<>();
        StreamingSession session = MODEL.newSession(CachePolicy.parse(policy));
        session.recordAttention(recorded::add);
        // A prefill batch, then token by token: both paths of the attention block.
        session.append(Arrays.copyOf(STREAM, 8));
        for (int t = 8; t < TOKENS; t++) {
            session.append(STREAM[t]);
        }

        assertThat(recorded).hasSize(TOKENS * info.layers() * info.heads());
        for (AttentionWeights w : recorded) {
            double sum = 0;
            for (int j = 0; j < w.keyCount(); j++) {
                assertThat(w.weight(j)).isBetween(0f, 1f);
                sum += w.weight(j);
            }
            assertThat(sum).as("%s", w).isCloseTo(1.0, within(1e-5));
            // Causal: the query sees itself last, and nothing after it.
            assertThat(w.keyPosition(w.keyCount() - 1)).isEqualTo(w.queryPosition());
        }
    }

    @ParameterizedTest(name = "sink:{0}:12")
    @ValueSource(ints = {1, 4})
    void underASinkCacheTheKeysAreTheSinksAndTheLastWindow(int sinks) {
        int window = 12;
        List<AttentionWeights> recorded = new ArrayList<>();
        StreamingSession session = MODEL.newSession(CachePolicy.sink(sinks, window));
        session.recordAttention(recorded::add);
        for (int t = 0; t < TOKENS; t++) {
            session.append(STREAM[t]);
        }
        for (AttentionWeights w : recorded) {
            long p = w.queryPosition();
            long[] expected = LongStream.concat(LongStream.range(0, Math.min(sinks, p + 1)),
                    LongStream.rangeClosed(Math.max(sinks, p - window), p)).toArray();
            assertThat(w.keyPositions()).as("%s", w).containsExactly(expected);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"sink:4:12", "dense"})
    void detachingStopsTheRecording(String policy) {
        List<AttentionWeights> recorded = new ArrayList<>();
        StreamingSession session = MODEL.newSession(CachePolicy.parse(policy));
        session.recordAttention(recorded::add);
        session.append(STREAM[0]);
        int afterOne = recorded.size();
        session.recordAttention(null);
        session.append(STREAM[1]);
        assertThat(recorded).hasSize(afterOne);
        assertThat(afterOne).isEqualTo(MODEL.info().layers() * MODEL.info().heads());
    }

    @ParameterizedTest(name = "recompute:{0}")
    @ValueSource(ints = {9})
    void underRecomputationOnlyTheNewTokenIsRecordedAtItsStreamPosition(int window) {
        List<AttentionWeights> recorded = new ArrayList<>();
        StreamingSession session = MODEL.newSession(CachePolicy.recompute(window));
        session.recordAttention(recorded::add);
        for (int t = 0; t < 30; t++) {
            session.append(STREAM[t]);
        }
        for (AttentionWeights w : recorded) {
            long p = w.queryPosition();
            assertThat(w.keyPositions()).as("%s", w)
                    .containsExactly(LongStream.rangeClosed(Math.max(0, p - window + 1), p).toArray());
        }
        assertThat(recorded.stream().mapToLong(AttentionWeights::queryPosition).distinct().count()).isEqualTo(30);
    }
}
