package io.streamllm.langchain4j;

import io.streamllm.api.StopReason;
import io.streamllm.api.StreamllmException;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.RenderedChat;

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
    /** Stands for the answer in window renderings; plain text that trimming and stripping leave alone. */
    static final String ANSWER_MARKER = "STREAMLLM_ANSWER_MARKER";
    /** Requests up to this many messages are also rendered in full, to check the window's locality. */
    static final int LOCALITY_CHECK_MESSAGES = 16;

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
        Optional<RenderedChat> windowed = textAfterMarker(before, added);
        if (windowed.isPresent() && messages.size() <= LOCALITY_CHECK_MESSAGES
                && !windowed.equals(textAfterMarker(messages.subList(0, answer), added))) {
            return Optional.empty();
        }
        return windowed;
    }

    /**
     * Renders {@code before} as a prompt, and {@code before} + a marker answer + {@code added} as the next
     * prompt; the text after the marker (its content located), when the first is a prefix of the second up to
     * the marker (give or take whitespace the template puts before an answer, which the model writes itself).
     */
    private Optional<RenderedChat> textAfterMarker(List<ChatMessage> before, List<ChatMessage> added) {
        List<ChatMessage> after = new ArrayList<>(before);
        after.add(new ChatMessage("assistant", ANSWER_MARKER));
        after.addAll(added);
        String prompt;
        RenderedChat rendered;
        try {
            prompt = template.render(before, true);
            rendered = encoder.render(template, after, true);
        } catch (StreamllmException e) {
            return Optional.empty(); // the full rendering reports it, if it is real
        }
        String continued = rendered.text();
        int marker = continued.indexOf(ANSWER_MARKER);
        if (!continued.startsWith(prompt) || marker < prompt.length()
                || continued.indexOf(ANSWER_MARKER, marker + 1) >= 0
                || !continued.substring(prompt.length(), marker).isBlank()) {
            return Optional.empty();
        }
        return Optional.of(rendered.from(marker + ANSWER_MARKER.length()));
    }

    private static int[] concat(int[] head, int[] tail) {
        int[] tokens = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, tokens, head.length, tail.length);
        return tokens;
    }
}
