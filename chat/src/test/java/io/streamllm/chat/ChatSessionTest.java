package io.streamllm.chat;

import io.streamllm.api.StreamllmException;
import io.streamllm.engine.Conversation;
import io.streamllm.engine.Generator;
import io.streamllm.engine.SamplerSettings;
import io.streamllm.engine.Session;
import io.streamllm.api.StopReason;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatSessionTest {
    private static final Model model = ShippedModel.stories260K();

    @Test
    void aCancelledAnswerStaysInTheConversationWhichGoesOn() {
        ChatSession chat = PlainChats.open("sink:4:60", 30, null);
        chat.send("Hello", text -> { }, () -> false);

        AtomicInteger pieces = new AtomicInteger();
        StringBuilder shown = new StringBuilder();
        Conversation.Turn cancelled = chat.send("Tell me a story", text -> {
            shown.append(text);
            pieces.incrementAndGet();
        }, () -> pieces.get() >= 3);

        assertThat(cancelled.result().stopReason()).isEqualTo(StopReason.CANCELLED);
        assertThat(cancelled.result().generatedTokens()).isBetween(3, 29);
        List<ChatMessage> transcript = chat.transcript();
        assertThat(transcript).hasSize(4);
        assertThat(transcript.get(3)).isEqualTo(new ChatMessage("assistant", shown.toString()));
        assertThat(shown.toString()).isNotBlank();

        Conversation.Turn next = chat.send("What happened next?", text -> { }, () -> false);
        assertThat(next.result().text()).isNotBlank();
        assertThat(next.reusedTokens()).as("the cancelled answer's tokens are reused, not re-read").isGreaterThan(0);
        assertThat(next.restarted()).isFalse();
        assertThat(chat.stats().turns()).isEqualTo(3);
    }

    @Test
    void aDenseCacheRefusesTurnsBeyondTheTrainedContext() {
        ChatSession chat = PlainChats.open("dense", 500, null);
        assertThatThrownBy(() -> chat.send("Hello there, how are you today?", text -> { }, () -> false))
                .isInstanceOf(StreamllmException.class)
                .hasMessageContaining("trained 512");
        assertThat(chat.transcript()).isEmpty();
    }

    @Test
    void aTemplateThatRejectsTheConversationLeavesItUnchanged() {
        Session session = new Session(model.network(), CachePolicy.parse("sink:4:60"));
        ChatTemplate gemma = new JinjaChatTemplate(JinjaChatTemplateTest.resource("templates/gemma-2-it.jinja"), "<s>", "</s>");
        ChatSession chat = new ChatSession(gemma, session, model.tokenizer(),
                new Generator.Settings(5, SamplerSettings.greedy(), List.of()), 512, "You are a pirate.");
        assertThatThrownBy(() -> chat.send("Hi", text -> { }, () -> false))
                .hasMessage("the model's chat template rejects this conversation: System role not supported");
        assertThat(chat.transcript()).containsExactly(new ChatMessage("system", "You are a pirate."));

        chat.setSystemPrompt(null);
        assertThat(chat.send("Hi", text -> { }, () -> false).result().generatedTokens()).isPositive();
    }

    @Test
    void resetAndSystemStartOver() {
        ChatSession chat = PlainChats.open("sink:4:60", 8, "Be kind.");
        chat.send("Hello", text -> { }, () -> false);
        assertThat(chat.stats().historyTokens()).isPositive();

        chat.reset();
        assertThat(chat.transcript()).containsExactly(new ChatMessage("system", "Be kind."));
        assertThat(chat.stats().nextPosition()).isZero();
        assertThat(chat.stats().turns()).isZero();

        chat.setSystemPrompt("Be brief.");
        Conversation.Turn turn = chat.send("Hello", text -> { }, () -> false);
        assertThat(turn.reusedTokens()).isZero();
        assertThat(chat.transcript().getFirst()).isEqualTo(new ChatMessage("system", "Be brief."));
    }
}
