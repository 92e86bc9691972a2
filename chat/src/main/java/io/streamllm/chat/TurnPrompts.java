package io.streamllm.chat;

import io.streamllm.api.Generation;
import io.streamllm.api.StopReason;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The prompt tokens of each chat turn: the whole conversation as the template renders it, ending with the
 * generation prompt, as {@link io.streamllm.api.Conversation#reply} takes it.
 *
 * <p>Rendering and tokenizing the whole transcript every turn costs O(conversation) per turn, which after
 * thousands of turns outweighs the turn itself. Instead the token stream is kept turn by turn: what was fed
 * so far (the prompts, and the answers as the model generated them) stays, and a turn appends only the
 * tokens of the text the template puts after the last answer: the end of the assistant's turn, the new user
 * message and the generation prompt. That text is found by rendering a bounded window of messages (the
 * system message, the previous user message, the answer replaced by a marker, the new user message) and
 * taking what follows the marker. Rendering and tokenizing then cost O(one turn), whatever the length of
 * the conversation.
 *
 * <p>This is sound when the template is prefix-stable (its text for a conversation is a prefix of its text
 * for the continued conversation) and local (the text after an answer does not depend on messages outside
 * the window). Prefix stability is checked on the window every turn; locality against a full rendering while
 * the conversation is short. A template that fails a check (Mistral's templates that move the system message
 * into the last user turn, say) is rendered in full every turn from then on, and the conversation reuses its
 * cache up to the first token that changed.
 */
final class TurnPrompts {
    private final ChatTemplate template;
    private final ChatEncoder encoder;
    private int[] stream;          // the conversation's tokens up to the end of the last answer; null: nothing yet
    private boolean incremental = true;

    TurnPrompts(ChatTemplate template, ChatEncoder encoder) {
        this.template = template;
        this.encoder = encoder;
    }

    /** Whether turns are still built from the window (false once the template failed a check). */
    boolean incremental() {
        return incremental;
    }

    /** The tokens for a turn; {@code transcript} ends with the new user message. */
    int[] next(List<ChatMessage> transcript) {
        if (stream == null || !incremental || !endsWithAnsweredTurn(transcript)) {
            return full(transcript);
        }
        Optional<RenderedChat> delta = textAfterLastAnswer(transcript);
        if (delta.isEmpty()) {
            incremental = false;
            return full(transcript);
        }
        int[] added = encoder.continuation(delta.get());
        int[] tokens = Arrays.copyOf(stream, stream.length + added.length);
        System.arraycopy(added, 0, tokens, stream.length, added.length);
        return tokens;
    }

    /**
     * Records a finished turn: {@code prompt} was passed to the conversation, which now holds
     * {@code history}. The answer's tokens stay as generated, except after a stop string: the tokens
     * fed then include the start of the stop string, so the answer is encoded again from its text (the
     * conversation rolls back over the difference, which is recent).
     */
    void answered(int[] prompt, int[] history, Generation result) {
        if (result.stopReason() == StopReason.STOP_STRING) {
            int[] answer = encoder.continuation(RenderedChat.plain(result.text()));
            stream = Arrays.copyOf(prompt, prompt.length + answer.length);
            System.arraycopy(answer, 0, stream, prompt.length, answer.length);
        } else {
            stream = history;
        }
    }

    /** Starts a new conversation (the template's verdict stands). */
    void reset() {
        stream = null;
    }

    private int[] full(List<ChatMessage> transcript) {
        return encoder.encode(encoder.render(template, transcript, true));
    }

    private static boolean endsWithAnsweredTurn(List<ChatMessage> transcript) {
        int n = transcript.size();
        return n >= 3 && transcript.get(n - 1).role().equals("user") && transcript.get(n - 2).role().equals("assistant")
                && transcript.get(n - 3).role().equals("user");
    }

    private Optional<RenderedChat> textAfterLastAnswer(List<ChatMessage> transcript) {
        int n = transcript.size();
        List<ChatMessage> before = new ArrayList<>();
        if (n > 3 && transcript.get(0).role().equals("system")) {
            before.add(transcript.get(0));
        }
        before.add(transcript.get(n - 3));
        Optional<RenderedChat> windowed = TextAfterAnswer.render(template, encoder, before, List.of(transcript.get(n - 1)));
        if (windowed.isPresent() && n <= TextAfterAnswer.LOCALITY_CHECK_MESSAGES
                && !windowed.equals(TextAfterAnswer.render(template, encoder, transcript.subList(0, n - 2),
                List.of(transcript.get(n - 1))))) {
            return Optional.empty();
        }
        return windowed;
    }

}
