package io.streamllm.langchain4j;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.Result;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.JinjaChatTemplate;
import io.streamllm.chat.PlainChatTemplate;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** LangChain4j AiServices assistants answered by streamllm, streaming and not, through the chat template. */
class AiServicesTest {
    /** ChatML, as Qwen and many others write it; stories260K has no template of its own. */
    static final String CHATML = """
            {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}""";
    private static final Sampling GREEDY = Sampling.greedy().maxTokens(24);
    private static final StreamingModel model = ShippedModel.stories260K();

    interface Assistant {
        Result<String> chat(@MemoryId String memoryId, @UserMessage String text);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String memoryId, @UserMessage String text);
    }

    @Test
    void anAssistantAnswersAsTheModelDoesOnTheRenderedTemplate() {
        Assistant assistant = assistant(StreamllmChatModel.builder(model).chatTemplate(CHATML).sampling(GREEDY)
                .sessionPerMemoryId(true).build());

        Result<String> answer = assistant.chat("alice", "Once upon a time there was a cat.");

        ChatTemplate template = new JinjaChatTemplate(CHATML, "<s>", "</s>");
        Conversation.Turn expected = replyOnce(template, List.of(new ChatMessage("user", "Once upon a time there was a cat.")));
        assertThat(answer.content()).isNotBlank().isEqualTo(expected.generation().text());
        assertThat(answer.tokenUsage().inputTokenCount()).isEqualTo(expected.prefilledTokens());
        assertThat(answer.tokenUsage().outputTokenCount()).isEqualTo(expected.generation().generatedTokens());
        assertThat(answer.finishReason()).isIn(FinishReason.STOP, FinishReason.LENGTH);
    }

    @Test
    void aStreamingAssistantStreamsTheSameAnswerPieceByPiece() throws Exception {
        StreamingAssistant streaming = AiServices.builder(StreamingAssistant.class)
                .streamingChatModel(StreamllmStreamingChatModel.builder(model).sampling(GREEDY)
                        .sessionPerMemoryId(true).build())
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
                .build();

        List<String> pieces = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        streaming.chat("bob", "Tom had a red ball.")
                .onPartialResponse(pieces::add)
                .onCompleteResponse(done::complete)
                .onError(done::completeExceptionally)
                .start();
        ChatResponse response = done.get(1, TimeUnit.MINUTES);

        Conversation.Turn expected = replyOnce(new PlainChatTemplate(), List.of(new ChatMessage("user", "Tom had a red ball.")));
        assertThat(pieces).hasSizeGreaterThan(1);
        assertThat(String.join("", pieces)).isEqualTo(response.aiMessage().text()).isEqualTo(expected.generation().text());
        assertThat(response.metadata().tokenUsage().outputTokenCount()).isEqualTo(expected.generation().generatedTokens());
        // AiServices rebuilds the metadata (toBuilder) to sum the token usage: streamllm's part survives it.
        assertThat(((StreamllmChatResponseMetadata) response.metadata()).turn().prefilledTokens())
                .isEqualTo(expected.prefilledTokens());
    }

    @Test
    void aFollowUpOnTheSameMemoryPrefillsOnlyItsNewTokens() {
        Assistant assistant = assistant(StreamllmChatModel.builder(model).chatTemplate(CHATML).sampling(GREEDY)
                .sessionPerMemoryId(true).build());

        Result<String> first = assistant.chat("carol", "Lily went to the park.");
        Result<String> second = assistant.chat("carol", "What did she see?");

        StreamllmChatResponseMetadata metadata = (StreamllmChatResponseMetadata) second.finalResponse().metadata();
        Conversation.Turn turn = metadata.turn();
        assertThat(turn.restarted()).isFalse();
        assertThat(turn.reusedTokens()).isGreaterThanOrEqualTo(first.tokenUsage().totalTokenCount() - 1);
        assertThat(turn.prefilledTokens()).isLessThan(second.tokenUsage().inputTokenCount() / 2);
    }

    @Test
    void withoutSessionsPerMemoryIdEveryRequestIsReadFromTheStart() {
        StreamllmChatModel chatModel = StreamllmChatModel.builder(model).sampling(GREEDY).build();
        Assistant assistant = assistant(chatModel);

        assistant.chat("dave", "Lily went to the park.");
        Result<String> second = assistant.chat("dave", "What did she see?");

        StreamllmChatResponseMetadata metadata = (StreamllmChatResponseMetadata) second.finalResponse().metadata();
        assertThat(metadata.turn().reusedTokens()).isZero();
        assertThat(metadata.turn().prefilledTokens()).isEqualTo(second.tokenUsage().inputTokenCount());
        assertThat(chatModel.sessionCount()).isZero();
    }

    /** An assistant answered by {@code chatModel}, each memory id keeping its last 20 messages. */
    private static Assistant assistant(ChatModel chatModel) {
        return AiServices.builder(Assistant.class)
                .chatModel(chatModel)
                .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
                .build();
    }

    /** The turn a fresh conversation gives for {@code messages} rendered with {@code template}. */
    static Conversation.Turn replyOnce(ChatTemplate template, List<ChatMessage> messages) {
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
        int[] prompt = encoder.encode(encoder.render(template, messages, true));
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 508)));
        return conversation.reply(prompt, GREEDY.stopStrings(template.stopStrings()), text -> { }, () -> false);
    }
}
