package io.streamllm.chat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tools for a template that cannot show them (the plain transcript, templates without tool support):
 * the conversation is rewritten into messages with text only, in the Hermes convention that many
 * fine-tunes know. The function signatures go into the system message within {@code <tools>} tags,
 * the assistant's calls become {@code <tool_call>} blocks in its text, and each tool result becomes a
 * user message within {@code <tool_response>} tags (many templates allow no other roles). The model is
 * then expected to answer with {@link ToolCallFormat#HERMES} calls.
 */
final class HermesToolPrompt {
    private HermesToolPrompt() {
    }

    /** {@code messages} as text-only messages, the tools' signatures in the system message (none: none added). */
    static List<ChatMessage> lower(List<ChatMessage> messages, List<Map<String, Object>> tools) {
        return lower(messages, tools, true);
    }

    /**
     * As above; without {@code asSystem} the signatures open the first user message instead, for templates
     * that refuse a system message (Gemma).
     */
    static List<ChatMessage> lower(List<ChatMessage> messages, List<Map<String, Object>> tools, boolean asSystem) {
        if (!asSystem && !tools.isEmpty()) {
            List<ChatMessage> lowered = new ArrayList<>(lower(messages, List.of(), true));
            for (int i = 0; i < lowered.size(); i++) {
                if (lowered.get(i).role().equals("user")) {
                    lowered.set(i, new ChatMessage("user", toolsBlock(tools) + "\n\n" + lowered.get(i).content()));
                    return lowered;
                }
            }
            lowered.addFirst(new ChatMessage("user", toolsBlock(tools)));
            return lowered;
        }
        List<ChatMessage> lowered = new ArrayList<>(messages.size() + 1);
        int first = 0;
        if (!tools.isEmpty()) {
            boolean hasSystem = !messages.isEmpty() && messages.getFirst().role().equals("system");
            String system = hasSystem ? messages.getFirst().content().strip() + "\n\n" : "";
            lowered.add(new ChatMessage("system", system + toolsBlock(tools)));
            first = hasSystem ? 1 : 0;
        }
        for (ChatMessage message : messages.subList(first, messages.size())) {
            if (message.callsTools()) {
                StringBuilder text = new StringBuilder(message.content().isEmpty() ? "" : message.content() + "\n");
                for (ToolCall call : message.toolCalls()) {
                    text.append(callBlock(call));
                }
                lowered.add(new ChatMessage(message.role(), text.toString()));
            } else if (message.role().equals("tool")) {
                lowered.add(new ChatMessage("user", "<tool_response>\n" + message.content() + "\n</tool_response>"));
            } else {
                lowered.add(message);
            }
        }
        return lowered;
    }

    /** Whether {@code messages} hold anything that {@link #lower} rewrites. */
    static boolean needed(List<ChatMessage> messages, List<Map<String, Object>> tools) {
        return !tools.isEmpty() || messages.stream().anyMatch(m -> m.callsTools() || m.role().equals("tool"));
    }

    private static String toolsBlock(List<Map<String, Object>> tools) {
        StringBuilder text = new StringBuilder("# Tools\n\nYou can call these functions, whose signatures are listed"
                + " one per line within <tools></tools>:\n<tools>\n");
        for (Map<String, Object> tool : tools) {
            text.append(PythonJson.dumps(tool, -1, false)).append('\n');
        }
        return text.append("</tools>\n\nTo call one, answer with a JSON object holding its name and arguments within"
                + " <tool_call></tool_call> tags:\n<tool_call>\n{\"name\": <function name>, \"arguments\": <arguments as a JSON object>}\n"
                + "</tool_call>").toString();
    }

    private static String callBlock(ToolCall call) {
        return "<tool_call>\n{\"name\": " + PythonJson.dumps(call.name(), -1, false) + ", \"arguments\": " + call.arguments()
                + "}\n</tool_call>";
    }
}
