package io.streamllm.chat;

import io.streamllm.api.StreamllmException;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The text a chat template adds after an answer, found without rendering the whole conversation: render a bounded
 * window (the system message, the message before the answer, a marker for the answer, the new messages) and take
 * what follows the marker. Sound when the template is prefix-stable (checked on every call) and local (the text after
 * an answer does not depend on messages outside the window: checked against a full rendering while a conversation has
 * at most {@link #LOCALITY_CHECK_MESSAGES} messages). Shared by the chat REPL and the LangChain4j model, whose
 * conversations grow one turn at a time.
 */
public final class TextAfterAnswer {
    /** Stands for the answer in window renderings; plain text that trimming and stripping leave alone. */
    static final String ANSWER_MARKER = "STREAMLLM_ANSWER_MARKER";
    /** Conversations up to this many messages are also rendered in full, to check the window's locality. */
    public static final int LOCALITY_CHECK_MESSAGES = 16;

    private TextAfterAnswer() {
    }

    /**
     * Renders {@code before} as a prompt, and {@code before} + a marker answer + {@code added} as the next
     * prompt; the text after the marker (its content located), when the first is a prefix of the second up to
     * the marker (give or take whitespace the template puts before an answer, which the model writes itself).
     * Empty when the template is not prefix-stable there, or cannot render the window.
     */
    public static Optional<RenderedChat> render(ChatTemplate template, ChatEncoder encoder, List<ChatMessage> before,
                                                List<ChatMessage> added) {
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
}
