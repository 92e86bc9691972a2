package io.streamllm.api;

import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StopStringsTest {

    @Test
    void addsTheTextOfTheModelsEndTokensAfterTheCallersOnce() {
        try (StreamingModel model = StreamingModel.load(References.tinystories656k(), new ModelOptions(1))) {
            List<String> stops = StopStrings.withModelEndTokens(List.of("\n\n", "<|end_story|>", "\n\n"), model.tokenizer());
            assertThat(stops).startsWith("\n\n", "<|end_story|>").doesNotHaveDuplicates();
            for (int id : model.tokenizer().specials().endOfGeneration()) {
                String piece = model.tokenizer().piece(id);
                if (!piece.isBlank()) {
                    assertThat(stops).contains(piece);
                }
            }
        }
    }

    @Test
    void anEndedStoryStopsAtItsWrittenMarker() {
        try (StreamingModel model = StreamingModel.load(References.tinystories656k(), new ModelOptions(1))) {
            StreamingSession session = model.newSession(CachePolicy.sink(4, 500));
            Generation generation = session.generate("Once upon a time", Sampling.greedy().maxTokens(400)
                    .stopStrings(StopStrings.withModelEndTokens(List.of(), model.tokenizer())), text -> { });
            assertThat(generation.stopReason()).isEqualTo(StopReason.STOP_STRING);
            assertThat(generation.text()).doesNotContain("<|end");
        }
    }
}
