package io.streamllm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tools, the assistant's calls and the tools' results rendered through real templates (their own
 * {@code tools} and {@code tool_calls}), and through the Hermes rewriting for templates without tools.
 * The expected texts were written by hand from reading each template.
 */
class ToolTemplateRenderingTest {
    private static final List<ChatMessage> CONVERSATION = List.of(
            new ChatMessage("user", "Weather in Paris?"),
            ChatMessage.assistantCalls(null, List.of(new ToolCall("call_1", "get_weather", "{\"city\":\"Paris\"}"))),
            ChatMessage.toolResult("call_1", "{\"celsius\": 21}"));

    private static List<Map<String, Object>> tools() {
        Map<String, Object> parameters = new LinkedHashMap<>();
        parameters.put("type", "object");
        parameters.put("properties", Map.of("city", Map.of("type", "string")));
        Map<String, Object> function = new LinkedHashMap<>();
        function.put("name", "get_weather");
        function.put("description", "Current weather");
        function.put("parameters", parameters);
        Map<String, Object> tool = new LinkedHashMap<>();
        tool.put("type", "function");
        tool.put("function", function);
        return List.of(tool);
    }

    @Test
    void qwenRendersToolsCallsAndResults() throws IOException {
        JinjaChatTemplate qwen = new JinjaChatTemplate(ToolCallParserTest.template("qwen2.5-instruct"), "", "<|im_end|>");
        String text = qwen.render(CONVERSATION, tools(), true);
        String tool = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Current weather\","
                + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}";
        assertThat(text).isEqualTo("<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
                + "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
                + "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" + tool
                + "\n</tools>\n\nFor each function call, return a json object with function name and arguments within"
                + " <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": <args-json-object>}\n"
                + "</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n"
                + "<|im_start|>assistant\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n{\"celsius\": 21}\n</tool_response><|im_end|>\n"
                + "<|im_start|>assistant\n");
        assertThat(qwen.toolCallFormat()).isEqualTo(ToolCallFormat.HERMES);
    }

    @Test
    void llamaRendersTheCallWithParametersAndTheResultAsIpython() throws IOException {
        JinjaChatTemplate llama = new JinjaChatTemplate(ToolCallParserTest.template("llama3.1-instruct"), "<|begin_of_text|>", "<|eot_id|>");
        String text = llama.render(CONVERSATION, tools(), true);
        assertThat(text).contains("Environment: ipython\n")
                .contains("\"name\": \"get_weather\"")
                .contains("<|start_header_id|>assistant<|end_header_id|>\n\n{\"name\": \"get_weather\", \"parameters\": {\"city\": \"Paris\"}}<|eot_id|>")
                // transformers' Jinja finds a string "iterable" and writes it as JSON (quoted); Jinjava writes it as is.
                .contains("<|start_header_id|>ipython<|end_header_id|>\n\n")
                .contains("{\"celsius\": 21}")
                .endsWith("<|start_header_id|>assistant<|end_header_id|>\n\n");
    }

    @Test
    void mistralRendersAvailableToolsCallsAndResults() throws IOException {
        JinjaChatTemplate mistral = new JinjaChatTemplate(ToolCallParserTest.template("mistral-nemo-instruct"), "<s>", "</s>");
        String text = mistral.render(CONVERSATION, tools(), true);
        assertThat(text).isEqualTo("<s>[AVAILABLE_TOOLS][{\"type\": \"function\", \"function\": {\"name\": \"get_weather\","
                + " \"description\": \"Current weather\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}}}}]"
                + "[/AVAILABLE_TOOLS][INST]Weather in Paris?[/INST]"
                + "[TOOL_CALLS][{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}, \"id\": \"call_1\"}]</s>"
                + "[TOOL_RESULTS]{\"content\": {\"celsius\": 21}, \"call_id\": \"call_1\"}[/TOOL_RESULTS]");
    }

    @Test
    void plainTranscriptGetsTheHermesSystemBlock() {
        String text = new PlainChatTemplate().render(CONVERSATION, tools(), true);
        assertThat(text).startsWith("# Tools\n\n")
                .contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")
                .contains("User: Weather in Paris?\nAssistant: <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>\n")
                .contains("User: <tool_response>\n{\"celsius\": 21}\n</tool_response>\n")
                .endsWith("Assistant:");
    }

    @Test
    void templateWithoutToolsGetsTheHermesRewriting() throws IOException {
        JinjaChatTemplate gemma = new JinjaChatTemplate(ToolCallParserTest.template("gemma-2-it"), "<bos>", "<eos>");
        String text = gemma.render(List.of(new ChatMessage("user", "Hi")), tools(), true);
        // Gemma 2 refuses a system message: the signatures open the first user message.
        assertThat(text).startsWith("<bos><start_of_turn>user\n# Tools\n\n").contains("<tools>\n{\"type\": \"function\"").contains("</tool_call>\n\nHi<end_of_turn>");
    }

    @Test
    void contentIsLocatedAroundToolMarkup() throws IOException {
        JinjaChatTemplate qwen = new JinjaChatTemplate(ToolCallParserTest.template("qwen2.5-instruct"), "", "<|im_end|>");
        RenderedChat rendered = RenderedChat.render(qwen, CONVERSATION, tools(), true);
        assertThat(rendered.text()).isEqualTo(qwen.render(CONVERSATION, tools(), true));
    }
}
