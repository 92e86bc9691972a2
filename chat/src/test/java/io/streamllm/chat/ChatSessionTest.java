package io.streamllm.chat;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ChatSessionTest {
    private static final StreamingModel model = ShippedModel.stories260K();

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

        assertThat(cancelled.generation().stopReason()).isEqualTo(StopReason.CANCELLED);
        assertThat(cancelled.generation().generatedTokens()).isBetween(3, 29);
        List<ChatMessage> transcript = chat.transcript();
        assertThat(transcript).hasSize(4);
        assertThat(transcript.get(3)).isEqualTo(new ChatMessage("assistant", shown.toString()));
        assertThat(shown.toString()).isNotBlank();

        Conversation.Turn next = chat.send("What happened next?", text -> { }, () -> false);
        assertThat(next.generation().text()).isNotBlank();
        assertThat(next.reusedTokens()).as("the cancelled answer's tokens are reused, not re-read").isGreaterThan(0);
        assertThat(next.restarted()).isFalse();
        assertThat(chat.stats().turns()).isEqualTo(3);
    }

    /**
     * An answer cut by a stop string is fed back as its text, not as the tokens generated (which began the stop
     * string), so the next turn rolls the conversation back over them. Under recompute:W, whose cache is
     * re-encoded from the tokens it keeps, the turn after the rollback must answer as a fresh conversation does.
     */
    @ParameterizedTest
    @ValueSource(strings = {"recompute:200", "recompute:24", "sink:4:200"})
    void aTurnAfterARollbackAnswersAsAFreshConversation(String policy) {
        SessionOptions options = SessionOptions.of(CachePolicy.parse(policy));
        String unstopped = new ChatSession(new PlainChatTemplate(), model, options, Sampling.greedy().maxTokens(16), null)
                .send("Hello", text -> { }, () -> false).generation().text().strip();
        String[] words = unstopped.split(" ");
        assertThat(words.length).as(unstopped).isGreaterThan(2);
        String stop = " " + words[2];

        ChatSession chat = new ChatSession(new PlainChatTemplate(), model, options,
                Sampling.greedy().maxTokens(16).stopStrings(List.of(stop)), null);
        Conversation.Turn first = chat.send("Hello", text -> { }, () -> false);
        assertThat(first.generation().stopReason()).isEqualTo(StopReason.STOP_STRING);
        int historyBefore = chat.conversation().historyLength();

        Conversation.Turn second = chat.send("What did they do?", text -> { }, () -> false);
        if (!second.restarted()) {
            assertThat(second.reusedTokens()).as("the stopped answer's last tokens are rolled back").isLessThan(historyBefore);
        }
        if (policy.equals("recompute:200")) {
            assertThat(second.restarted()).as("the window holds the whole chat: a rollback, not a restart").isFalse();
        }

        int[] prompt = Arrays.copyOf(chat.conversation().history(), second.reusedTokens() + second.prefilledTokens());
        Conversation fresh = model.newConversation(options);
        Conversation.Turn expected = fresh.reply(prompt, Sampling.greedy().maxTokens(16).stopStrings(List.of(stop)),
                text -> { }, () -> false);
        assertThat(second.generation().text()).isEqualTo(expected.generation().text());
        assertThat(chat.conversation().history()).containsExactly(fresh.history());
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
        ChatTemplate gemma = new JinjaChatTemplate(JinjaChatTemplateTest.resource("templates/gemma-2-it.jinja"), "<s>", "</s>");
        ChatSession chat = new ChatSession(gemma, model, SessionOptions.of(CachePolicy.sink(4, 60)),
                Sampling.greedy().maxTokens(5), "You are a pirate.");
        assertThatThrownBy(() -> chat.send("Hi", text -> { }, () -> false))
                .hasMessage("the model's chat template rejects this conversation: System role not supported");
        assertThat(chat.transcript()).containsExactly(new ChatMessage("system", "You are a pirate."));

        chat.setSystemPrompt(null);
        assertThat(chat.send("Hi", text -> { }, () -> false).generation().generatedTokens()).isPositive();
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
