package io.streamllm.api;

import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ConversationTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();

    private static final Sampling GREEDY_8 = Sampling.greedy().maxTokens(8);

    @Test
    void aFollowUpTurnPrefillsOnlyTheNewTokens() {
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 200)));
        int[] first = model.tokenizer().encode("Once upon a time");
        Conversation.Turn turn1 = conversation.reply(first, GREEDY_8, text -> { }, () -> false);
        assertThat(turn1.reusedTokens()).isZero();
        assertThat(turn1.prefilledTokens()).isEqualTo(first.length);

        int[] history = conversation.history();
        int[] second = concat(history, model.tokenizer().encode(" The end.", false, false));
        Conversation.Turn turn2 = conversation.reply(second, GREEDY_8, text -> { }, () -> false);
        assertThat(turn2.reusedTokens()).isEqualTo(history.length);
        assertThat(turn2.prefilledTokens()).isEqualTo(second.length - history.length);
        assertThat(conversation.history()).startsWith(second);
    }

    @Test
    void aRewrittenRecentTurnRollsBackInsteadOfStartingOver() {
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 200)));
        int[] first = model.tokenizer().encode("Once upon a time");
        conversation.reply(first, GREEDY_8, text -> { }, () -> false);
        // The client sends the prompt back with a different ending instead of the model's answer.
        int[] edited = concat(first, model.tokenizer().encode(" there was a cat.", false, false));
        Conversation.Turn turn = conversation.reply(edited, GREEDY_8, text -> { }, () -> false);
        assertThat(turn.restarted()).isFalse();
        assertThat(turn.reusedTokens()).isEqualTo(first.length);

        // The same result as a fresh conversation given the edited prompt: rollback left no trace.
        Conversation fresh = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 200)));
        Conversation.Turn expected = fresh.reply(edited, GREEDY_8, text -> { }, () -> false);
        assertThat(turn.generation().text()).isEqualTo(expected.generation().text());
    }

    @Test
    void aRetriedTurnAnswersAsTheFirstTime() {
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 200)));
        int[] prompt = model.tokenizer().encode("Once upon a time");
        Conversation.Turn first = conversation.reply(prompt, GREEDY_8, text -> { }, () -> false);
        // The same request again (a client retrying): the whole prompt is already in the history.
        Conversation.Turn retry = conversation.reply(prompt, GREEDY_8, text -> { }, () -> false);
        assertThat(retry.restarted()).isFalse();
        assertThat(retry.prefilledTokens()).isEqualTo(1);
        assertThat(retry.generation().text()).isEqualTo(first.generation().text());
    }

    @Test
    void aChangeInsideTheEvictedPastStartsOver() {
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(2, 16)));
        int[] first = model.tokenizer().encode("Once upon a time there was a little girl named Lily who liked to play");
        conversation.reply(first, GREEDY_8, text -> { }, () -> false);
        int[] changed = first.clone();
        changed[5] = changed[5] == 300 ? 301 : 300;
        Conversation.Turn turn = conversation.reply(changed, GREEDY_8, text -> { }, () -> false);
        assertThat(turn.restarted()).isTrue();
        assertThat(conversation.restarts()).isEqualTo(1);
        assertThat(conversation.history()).startsWith(changed);
    }

    @Test
    void thousandsOfTurnsKeepTheCacheBounded() {
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 60)));
        int[] prompt = model.tokenizer().encode("Tom said hi.");
        for (int turn = 0; turn < 1000; turn++) {
            int[] next = concat(conversation.history(), Arrays.copyOfRange(prompt, turn == 0 ? 0 : 1, prompt.length));
            conversation.reply(next, Sampling.greedy().maxTokens(4), text -> { }, () -> false);
            assertThat(conversation.stats().size()).isLessThanOrEqualTo(64);
        }
        assertThat(conversation.historyLength()).isGreaterThan(5000);
        assertThat(conversation.stats().evictedTokens()).isGreaterThan(5000);
    }

    @Test
    void aSnapshotResumesTheConversationExactly() throws Exception {
        for (String policy : List.of("sink:4:30", "dense", "recompute:40")) {
            Conversation original = model.newConversation(SessionOptions.of(CachePolicy.parse(policy)));
            original.reply(model.tokenizer().encode("Once upon a time there was a dog named Max"), GREEDY_8, t -> { }, () -> false);

            Conversation restored = model.restoreConversation(original.snapshot());
            assertThat(restored.history()).as(policy).containsExactly(original.history());

            int[] next = concat(original.history(), model.tokenizer().encode(" He ran.", false, false));
            Conversation.Turn a = original.reply(next, GREEDY_8, t -> { }, () -> false);
            Conversation.Turn b = restored.reply(next, GREEDY_8, t -> { }, () -> false);
            assertThat(b.reusedTokens()).as(policy).isEqualTo(a.reusedTokens());
            assertThat(b.generation().text()).as(policy).isEqualTo(a.generation().text());
            assertThat(restored.stats().size()).isEqualTo(original.stats().size());
        }
    }

    @Test
    void editingAnEarlierTurnAnswersAsAFreshConversationUnderEveryPolicy() {
        for (String policy : List.of("recompute:200", "sink:4:200", "window:200", "dense")) {
            Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.parse(policy)));
            int[] first = model.tokenizer().encode("Once upon a time there was a dog named Max");
            conversation.reply(first, GREEDY_8, t -> { }, () -> false);
            int[] second = concat(conversation.history(), model.tokenizer().encode(" He ran to the park.", false, false));
            conversation.reply(second, GREEDY_8, t -> { }, () -> false);

            // The client edits its first message: everything after "Once upon a time" changes.
            int[] edited = concat(model.tokenizer().encode("Once upon a time"),
                    model.tokenizer().encode(" a girl sang. She was happy.", false, false));
            Conversation.Turn turn = conversation.reply(edited, GREEDY_8, t -> { }, () -> false);
            assertThat(turn.restarted()).as(policy).isFalse();

            Conversation fresh = model.newConversation(SessionOptions.of(CachePolicy.parse(policy)));
            Conversation.Turn expected = fresh.reply(edited, GREEDY_8, t -> { }, () -> false);
            assertThat(turn.generation().text()).as(policy).isEqualTo(expected.generation().text());
            assertThat(conversation.stats().tokensSeen()).as(policy).isEqualTo(conversation.historyLength());
        }
    }

    @Test
    void aRollbackForgetsTheTokensSeenAfterIt() {
        for (String policy : List.of("sink:4:200", "window:200", "recompute:200", "dense")) {
            StreamingSession session = model.newSession(CachePolicy.parse(policy));
            session.append(model.tokenizer().encode("Once upon a time there was a dog"));
            assertThat(session.rollbackTo(6)).as(policy).isTrue();
            assertThat(session.tokensSeen()).as(policy).isEqualTo(6);
            assertThat(session.stats().tokensSeen()).as(policy).isEqualTo(6);
        }
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
