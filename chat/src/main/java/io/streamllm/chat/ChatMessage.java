package io.streamllm.chat;

/** One message of a conversation: role is "system", "user" or "assistant". */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw new IllegalArgumentException("a message needs a role");
        }
        if (content == null) {
            throw new IllegalArgumentException("a message needs content");
        }
    }
}
