package io.streamllm.chat;

import java.util.List;

/** Turns a conversation into the text the model was trained to see. */
public interface ChatTemplate {

    /**
     * Renders {@code messages}; with {@code addGenerationPrompt} the text ends where the assistant's
     * answer begins. The text may contain special-token text (e.g. {@code <|im_start|>}), which
     * {@link ChatEncoder} parses in the template's markup only, not in the messages' content.
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** Texts that end an answer besides the model's end tokens (e.g. the start of a user turn). */
    List<String> stopStrings();

    /** A name for display ("model", "plain"). */
    String name();
}
