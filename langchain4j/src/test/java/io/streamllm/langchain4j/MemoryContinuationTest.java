package io.streamllm.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.output.FinishReason;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StopReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/** How a memory's session follows its requests: continued, rolled back after a stop string, or read in full. */
class MemoryContinuationTest {

    @Test
    void aTurnEndedByAStopStringIsContinuedWithoutStartingOver() {
        StreamllmChatModel model = newChatModel();
        List<ChatMessage> memory = new ArrayList<>(List.of(UserMessage.from("Lily had a dog.")));
        ChatResponse first = model.chat(MemoryRequests.of("stop", memory, List.of(".")));
        assertThat(turn(first).generation().stopReason()).isEqualTo(StopReason.STOP_STRING);

        memory.add(first.aiMessage());
        memory.add(UserMessage.from("What was its name?"));
        ChatResponse second = model.chat(MemoryRequests.of("stop", memory, List.of(".")));

        assertThat(turn(second).restarted()).isFalse();
        assertThat(turn(second).reusedTokens()).isGreaterThanOrEqualTo(first.metadata().tokenUsage().inputTokenCount());
        assertThat(turn(second).prefilledTokens()).isLessThan(second.metadata().tokenUsage().inputTokenCount() / 2);
    }

    @Test
    void anEditedHistoryIsReadInFullAndAnsweredAsByAFreshSession() {
        StreamllmChatModel model = newChatModel();
        List<ChatMessage> memory = new ArrayList<>(List.of(UserMessage.from("Tom found a box.")));
        ChatResponse first = model.chat(MemoryRequests.of("edit", memory, List.of()));
        memory.add(AiMessage.from(first.aiMessage().text() + " It was red."));   // not what the model said
        memory.add(UserMessage.from("What was in it?"));

        ChatResponse edited = model.chat(MemoryRequests.of("edit", memory, List.of()));
        ChatResponse fresh = newChatModel().chat(MemoryRequests.of("other", memory, List.of()));

        assertThat(edited.aiMessage().text()).isEqualTo(fresh.aiMessage().text());
        assertThat(turn(edited).reusedTokens()).isPositive(); // the common prefix still came from the cache
    }

    @Test
    void theStreamingHandleCancelsTheAnswer() {
        StreamllmStreamingChatModel model = StreamllmStreamingChatModel.builder(ShippedModel.stories260K())
                .sampling(Sampling.greedy().maxTokens(40)).build();
        List<String> pieces = new ArrayList<>();
        AtomicReference<ChatResponse> complete = new AtomicReference<>();
        model.chat(ChatRequest.builder().messages(UserMessage.from("Once upon a time")).build(),
                new StreamingChatResponseHandler() {
                    @Override
                    public void onPartialResponse(PartialResponse partial, PartialResponseContext context) {
                        pieces.add(partial.text());
                        context.streamingHandle().cancel();
                    }

                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        complete.set(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        throw new AssertionError(error);
                    }
                });
        assertThat(pieces).hasSize(1);
        assertThat(complete.get().finishReason()).isEqualTo(FinishReason.OTHER);
        assertThat(complete.get().aiMessage().text()).isEqualTo(pieces.getFirst());
    }

    private static StreamllmChatModel newChatModel() {
        return StreamllmChatModel.builder(ShippedModel.stories260K())
                .cachePolicy(CachePolicy.sink(4, 252))
                .sampling(Sampling.greedy().maxTokens(24))
                .sessionPerMemoryId(true)
                .build();
    }

    private static Conversation.Turn turn(ChatResponse response) {
        return ((StreamllmChatResponseMetadata) response.metadata()).turn();
    }
}
