package io.streamllm.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import io.streamllm.api.Sampling;
import io.streamllm.chat.ChatMessage;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j's request parameters land on streamllm's sampling; what a request leaves out keeps the base. */
class TurnRequestTest {
    private static final Sampling BASE = Sampling.greedy().maxTokens(50).seed(9).stopStrings(List.of("THE END"));

    @Test
    void everyParameterLandsOnTheSampling() {
        ChatRequest request = ChatRequest.builder()
                .messages(SystemMessage.from("Be brief."), UserMessage.from("Hi"), AiMessage.from("Hello."), UserMessage.from("Bye"))
                .parameters(StreamllmChatRequestParameters.builder()
                        .temperature(0.5).topP(0.9).topK(20).maxOutputTokens(7)
                        .frequencyPenalty(0.25).presencePenalty(-0.5).stopSequences(List.of("\n\n"))
                        .seed(42L).memoryId("m1").build())
                .build();

        TurnRequest turn = TurnRequest.of(request, BASE, List.of("\nUser:"), "stories");

        Sampling sampling = turn.sampling();
        assertThat(sampling.temperature()).isEqualTo(0.5f);
        assertThat(sampling.topP()).isEqualTo(0.9f);
        assertThat(sampling.topK()).isEqualTo(20);
        assertThat(sampling.maxTokens()).isEqualTo(7);
        assertThat(sampling.frequencyPenalty()).isEqualTo(0.25f);
        assertThat(sampling.presencePenalty()).isEqualTo(-0.5f);
        assertThat(sampling.seed()).isEqualTo(42L);
        assertThat(sampling.stopStrings()).containsExactly("THE END", "\nUser:", "\n\n");
        assertThat(turn.memoryId()).contains("m1");
        assertThat(turn.messages()).containsExactly(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"),
                new ChatMessage("assistant", "Hello."), new ChatMessage("user", "Bye"));
    }

    @Test
    void aPlainRequestKeepsTheBaseSamplingAndHasNoMemoryId() {
        TurnRequest turn = TurnRequest.of(ChatRequest.builder().messages(UserMessage.from("Hi")).build(), BASE,
                List.of(), "stories");
        assertThat(turn.sampling()).isEqualTo(BASE);
        assertThat(turn.memoryId()).isEmpty();
    }

    @Test
    void theMemoryIdSurvivesTheChatModelsMergeWithItsDefaultParameters() {
        ChatRequest request = StreamllmChatRequestParameters.withMemoryId(
                ChatRequest.builder().messages(UserMessage.from("Hi")).temperature(0.3).build(), 17);
        var merged = dev.langchain4j.model.chat.request.DefaultChatRequestParameters.EMPTY.overrideWith(request.parameters());
        assertThat(merged).isInstanceOf(StreamllmChatRequestParameters.class);
        assertThat(((StreamllmChatRequestParameters) merged).memoryId()).isEqualTo(17);
        assertThat(merged.temperature()).isEqualTo(0.3);
    }
}
