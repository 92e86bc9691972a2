package io.streamllm.chat;

import java.util.Locale;

/**
 * How a model family writes a function call, recognised from its chat template (the template shows the
 * model its own calls in past turns, so it names the format's markers).
 */
public enum ToolCallFormat {
    /** Hermes and Qwen: {@code <tool_call>{"name": ..., "arguments": {...}}</tool_call>}; also our fallback. */
    HERMES("<tool_call>\n", "arguments"),
    /** Llama 3.1: a bare JSON object {@code {"name": ..., "parameters": {...}}}, maybe after {@code <|python_tag|>}. */
    LLAMA_JSON("", "parameters"),
    /** Mistral: {@code [TOOL_CALLS] [{"name": ..., "arguments": {...}}]}. */
    MISTRAL("[TOOL_CALLS][", "arguments");

    private final String opening;
    private final String argumentsKey;

    ToolCallFormat(String opening, String argumentsKey) {
        this.opening = opening;
        this.argumentsKey = argumentsKey;
    }

    /** The text before a call's JSON object: what a forced call is prefilled with. */
    public String opening() {
        return opening;
    }

    /** The key of the arguments in a call's JSON object. */
    public String argumentsKey() {
        return argumentsKey;
    }

    /** The format a template's source shows; {@link #HERMES} when it shows none (we then render the tools ourselves). */
    public static ToolCallFormat of(String templateSource) {
        if (templateSource.contains("[TOOL_CALLS]")) {
            return MISTRAL;
        }
        if (templateSource.contains("<tool_call>")) {
            return HERMES;
        }
        String lower = templateSource.toLowerCase(Locale.ROOT);
        if (templateSource.contains("<|python_tag|>") || lower.contains("ipython")) {
            return LLAMA_JSON;
        }
        return HERMES;
    }

    /** Whether a template's source renders tools itself (reads the {@code tools} variable and shows calls). */
    static boolean templateRendersTools(String templateSource) {
        return templateSource.contains("tools") && templateSource.contains("tool_calls");
    }
}
