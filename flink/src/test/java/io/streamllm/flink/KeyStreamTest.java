package io.streamllm.flink;

import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** One key's stream apart from Flink: the state it keeps stays the same size once the cache is full. */
class KeyStreamTest {
    private static StreamingModel model;

    @BeforeAll
    static void load() {
        model = StreamingModel.load(FlinkRuns.stories260K());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void theStatePerKeyIsConstantOnceTheCacheIsFull() {
        KeyStream stream = new KeyStream(model, new ScorerSettings("unused", "sink:4:60", 1, 1));
        KeyState state = null;
        long[] bytes = new long[121];
        long[] tokens = new long[121];
        for (int event = 1; event <= 120; event++) {
            state = stream.step(state, "The little dog ran to the park number " + event + ".", 0).state();
            bytes[event] = state.bytes();
            tokens[event] = state.tokens();
        }
        assertThat(tokens[30]).as("the 64-token cache is full after 30 events").isGreaterThan(64 * 4);
        assertThat(bytes[120]).isEqualTo(bytes[60]).isEqualTo(bytes[30]);
        assertThat(bytes[2]).as("a cache not yet full holds less").isLessThan(bytes[30]);
    }

    @Test
    void aRestoredStepGivesTheSameResultAsTheFirstTime() {
        KeyStream stream = new KeyStream(model, new ScorerSettings("unused", "sink:4:60", 1, 5));
        KeyState state = null;
        for (int event = 0; event < 12; event++) {
            state = stream.step(state, "Lily had a red ball and a blue hat.", 0).state();
        }
        KeyStream.Step first = stream.step(state, "She went outside to play.", 16);
        KeyStream.Step replay = stream.step(state, "She went outside to play.", 16);

        assertThat(replay.meanNll()).isEqualTo(first.meanNll());
        assertThat(replay.continuation()).isEqualTo(first.continuation()).isNotEmpty();
        assertThat(replay.state().snapshot()).isEqualTo(first.state().snapshot());
    }
}
