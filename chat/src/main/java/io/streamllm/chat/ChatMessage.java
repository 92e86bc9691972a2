package io.streamllm.chat;

import java.util.List;

/**
 * One message of a conversation: role is "system", "user", "assistant" or "tool".
 *
 * @param content    the text; "" for an assistant message that only calls tools
 * @param toolCalls  the functions an assistant message calls (empty for other messages)
 * @param toolCallId for a "tool" message, the id of the call whose result it carries; else null
 */
public record ChatMessage(String role, String content, List<ToolCall> toolCalls, String toolCallId) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("a message needs a role");
        }
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
        if (content == null) {
            if (toolCalls.isEmpty()) {
                throw new IllegalArgumentException("a message needs content");
            }
            content = ""; // OpenAI sends null content with tool calls; templates test it as a string
        }
    }

    /** A message with text only. */
    public ChatMessage(String role, String content) {
        this(role, content, List.of(), null);
    }

    /** An assistant message that calls {@code calls} (after {@code content}, null or "" for none). */
    public static ChatMessage assistantCalls(String content, List<ToolCall> calls) {
        return new ChatMessage("assistant", content, calls, null);
    }

    /** The result of the call {@code toolCallId}, sent back to the model. */
    public static ChatMessage toolResult(String toolCallId, String content) {
        return new ChatMessage("tool", content, List.of(), toolCallId);
    }

    /** This message with other content (its tool calls kept). */
    public ChatMessage withContent(String text) {
        return new ChatMessage(role, text, toolCalls, toolCallId);
    }

    /** Whether the message calls tools. */
    public boolean callsTools() {
        return !toolCalls.isEmpty();
    }
}
