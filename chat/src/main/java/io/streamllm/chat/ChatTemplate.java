package io.streamllm.chat;

import java.util.List;
import java.util.Map;

/** Turns a conversation into the text the model was trained to see. */
public interface ChatTemplate {

    /**
     * Renders {@code messages}; with {@code addGenerationPrompt} the text ends where the assistant's
     * answer begins. The text may contain special-token text (e.g. {@code <|im_start|>}), which
     * {@link ChatEncoder} parses in the template's markup only, not in the messages' content.
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /**
     * Renders {@code messages} offering the functions {@code tools} (OpenAI function definitions,
     * {@code {"type": "function", "function": {...}}}, as maps). This default serves templates that cannot
     * show tools: the conversation is rewritten in the Hermes convention ({@link HermesToolPrompt}).
     */
    default String render(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean addGenerationPrompt) {
        return render(HermesToolPrompt.needed(messages, tools) ? HermesToolPrompt.lower(messages, tools) : messages,
                addGenerationPrompt);
    }

    /** How the model writes its function calls when this template offers it tools. */
    default ToolCallFormat toolCallFormat() {
        return ToolCallFormat.HERMES;
    }

    /** Texts that end an answer besides the model's end tokens (e.g. the start of a user turn). */
    List<String> stopStrings();

    /** A name for display ("model", "plain"). */
    String name();
}
