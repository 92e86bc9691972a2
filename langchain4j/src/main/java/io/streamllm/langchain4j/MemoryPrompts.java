package io.streamllm.langchain4j;

import io.streamllm.api.StopReason;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.RenderedChat;
import io.streamllm.chat.TextAfterAnswer;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The prompt tokens of each turn of one memory's conversation, kept cheap and constant however long it runs.
 *
 * <p>A LangChain4j chat memory sends the model its messages every turn, and a bounded memory
 * ({@code MessageWindowChatMemory}) drops the oldest ones: rendered in full, the conversation would start
 * differently every turn, share no prefix with what the cache holds, and be read again from its start. So the
 * token stream fed so far is kept instead (the prompts, and the answers as the model generated them), and a
 * turn that continues it appends only the tokens of the text the template puts after the last answer: the end
 * of the assistant's turn, the new messages and the generation prompt. Rendering, tokenizing and prefilling
 * then cost one turn, whatever the conversation's length and whatever the memory dropped.
 *
 * <p>A request continues the stream when its last assistant message is the last answer, word for word, and
 * the message before it is the last message the previous request ended with. Anything else (another memory
 * content, an edited history) is rendered in full, and the conversation reuses its cache up to the first token
 * that changed.
 *
 * <p>The text after the answer is found by rendering a bounded window (the system message, the message before
 * the answer, a marker for the answer, the new messages) and taking what follows the marker. That is sound when
 * the template is prefix-stable (checked every turn) and local (checked against the whole request while it is
 * short); a template that fails a check is rendered in full from then on. The chat REPL's
 * {@code io.streamllm.chat.TurnPrompts} renders its turns the same way, over a transcript it keeps whole.
 */
final class MemoryPrompts {
    private final ChatTemplate template;
    private final ChatEncoder encoder;
    private int[] fed;              // the tokens up to the end of the last answer; null before the first
    private ChatMessage lastPrompt; // the last message of the request the last answer replied to
    private String lastAnswer;
    private boolean incremental = true;

    MemoryPrompts(ChatTemplate template, ChatEncoder encoder) {
        this.template = template;
        this.encoder = encoder;
    }

    /** The tokens of the whole conversation for a turn on {@code messages}, ending with the generation prompt. */
    int[] next(List<ChatMessage> messages) {
        int answer = fed == null || !incremental ? -1 : indexOfLastAnswer(messages);
        if (answer > 0) {
            Optional<RenderedChat> delta = textAfterAnswer(messages, answer);
            if (delta.isPresent()) {
                return concat(fed, encoder.continuation(delta.get()));
            }
            incremental = false;
        }
        return encoder.encode(encoder.render(template, messages, true));
    }

    /**
     * Records a finished turn: {@code prompt} was fed for {@code messages}, and the conversation now holds
     * {@code history}. After a stop string the history holds the start of the stop string, which the answer
     * does not: the answer is then encoded again from its text (the next turn rolls back over the difference,
     * which is recent).
     */
    void answered(List<ChatMessage> messages, int[] prompt, int[] history, StopReason stopReason, String answer) {
        fed = stopReason == StopReason.STOP_STRING
                ? concat(prompt, encoder.continuation(RenderedChat.plain(answer)))
                : history;
        lastPrompt = messages.getLast();
        lastAnswer = answer;
    }

    /** Whether turns are still built from the window (false once the template failed a check). */
    boolean incremental() {
        return incremental;
    }

    /** The index of the last answer in {@code messages} when they continue the stream fed, else -1. */
    private int indexOfLastAnswer(List<ChatMessage> messages) {
        int last = messages.size() - 1;
        while (last > 0 && !messages.get(last).role().equals("assistant")) {
            last--;
        }
        boolean continues = last > 0 && last < messages.size() - 1
                && messages.get(last).content().equals(lastAnswer) && messages.get(last - 1).equals(lastPrompt);
        return continues ? last : -1;
    }

    private Optional<RenderedChat> textAfterAnswer(List<ChatMessage> messages, int answer) {
        List<ChatMessage> before = new ArrayList<>(2);
        if (answer > 1 && messages.getFirst().role().equals("system")) {
            before.add(messages.getFirst());
        }
        before.add(messages.get(answer - 1));
        List<ChatMessage> added = messages.subList(answer + 1, messages.size());
        Optional<RenderedChat> windowed = TextAfterAnswer.render(template, encoder, before, added);
        if (windowed.isPresent() && messages.size() <= TextAfterAnswer.LOCALITY_CHECK_MESSAGES
                && !windowed.equals(TextAfterAnswer.render(template, encoder, messages.subList(0, answer), added))) {
            return Optional.empty();
        }
        return windowed;
    }


    private static int[] concat(int[] head, int[] tail) {
        int[] tokens = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, tokens, head.length, tail.length);
        return tokens;
    }
}
