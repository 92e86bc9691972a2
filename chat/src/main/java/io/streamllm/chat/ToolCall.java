package io.streamllm.chat;

/**
 * A call of a function by the model, as OpenAI's {@code tool_calls} carry it.
 *
 * @param id        the call's id, which the tool's result names
 * @param name      the function's name
 * @param arguments the arguments, a JSON object as text
 */
public record ToolCall(String id, String name, String arguments) {
    public ToolCall {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("a tool call needs a function name");
        }
        if (arguments == null) {
            throw new IllegalArgumentException("a tool call needs arguments");
        }
    }
}
