package io.streamllm.chat;

import java.util.List;

/**
 * The fallback for models without a chat template (base and story models): a transcript of
 * "User:" and "Assistant:" lines, which any language model can continue.
 */
public final class PlainChatTemplate implements ChatTemplate {
    private static final String USER = "User: ";
    private static final String ASSISTANT = "Assistant:";

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        StringBuilder text = new StringBuilder();
        // Tool calls and results shown as text, in the Hermes convention.
        for (ChatMessage message : HermesToolPrompt.lower(messages, java.util.List.of())) {
            switch (message.role()) {
                case "system" -> text.append(message.content().strip()).append("\n\n");
                case "user" -> text.append(USER).append(message.content().strip()).append('\n');
                case "assistant" -> text.append(ASSISTANT).append(' ').append(message.content().strip()).append('\n');
                default -> text.append(capitalize(message.role())).append(": ").append(message.content().strip()).append('\n');
            }
        }
        if (addGenerationPrompt) {
            text.append(ASSISTANT);
        }
        return text.toString();
    }

    @Override
    public List<String> stopStrings() {
        return List.of("\n" + USER.strip(), "\n" + ASSISTANT);
    }

    @Override
    public String name() {
        return "plain";
    }

    private static String capitalize(String role) {
        return role.isEmpty() ? role : Character.toUpperCase(role.charAt(0)) + role.substring(1);
    }
}
