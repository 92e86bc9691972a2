package io.streamllm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The model's calls in each family's format, and the format recognised from the real templates. */
class ToolCallParserTest {
    private static ToolCallParser parser(ToolCallFormat format) {
        int[] next = {0};
        return new ToolCallParser(format, () -> "call_" + next[0]++);
    }

    @Test
    void hermesCallsAfterText() {
        ToolCallParser.Parsed parsed = parser(ToolCallFormat.HERMES).parse("Let me look.\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\", \"days\": 2}}\n</tool_call>\n"
                + "<tool_call>\n{\"name\": \"get_time\", \"arguments\": {}}\n</tool_call>");
        assertThat(parsed.content()).isEqualTo("Let me look.");
        assertThat(parsed.calls()).containsExactly(
                new ToolCall("call_0", "get_weather", "{\"city\":\"Paris\",\"days\":2}"),
                new ToolCall("call_1", "get_time", "{}"));
    }

    @Test
    void hermesForcedCallWithoutClosingTag() {
        // A prefilled, constrained call ends with its JSON object.
        ToolCallParser.Parsed parsed = parser(ToolCallFormat.HERMES).parse("<tool_call>\n{\"name\": \"f\", \"arguments\": {\"x\": [1, 2]}}");
        assertThat(parsed.calls()).containsExactly(new ToolCall("call_0", "f", "{\"x\":[1,2]}"));
        assertThat(parsed.content()).isEmpty();
    }

    @Test
    void argumentsWrittenAsAStringAreParsed() {
        ToolCallParser.Parsed parsed = parser(ToolCallFormat.HERMES).parse("<tool_call>{\"name\": \"f\", \"arguments\": \"{\\\"a\\\": 1}\"}</tool_call>");
        assertThat(parsed.calls()).containsExactly(new ToolCall("call_0", "f", "{\"a\":1}"));
    }

    @Test
    void malformedCallsLeaveTheTextAlone() {
        for (String text : List.of("<tool_call>{\"name\": \"f\", \"arguments\": {\"a\": </tool_call>",
                "<tool_call>{\"arguments\": {}}</tool_call>", "<tool_call>{\"name\": \"f\", \"arguments\": [1]}</tool_call>",
                "Once upon a time <tool_call> was a cat.", "no call at all")) {
            ToolCallParser.Parsed parsed = parser(ToolCallFormat.HERMES).parse(text);
            assertThat(parsed.hasCalls()).as(text).isFalse();
            assertThat(parsed.content()).isEqualTo(text);
        }
    }

    @Test
    void llamaJsonWithParametersWithOrWithoutPythonTag() {
        assertThat(parser(ToolCallFormat.LLAMA_JSON).parse(" {\"name\": \"get_weather\", \"parameters\": {\"city\": \"Oslo\"}}").calls())
                .containsExactly(new ToolCall("call_0", "get_weather", "{\"city\":\"Oslo\"}"));
        assertThat(parser(ToolCallFormat.LLAMA_JSON).parse("<|python_tag|>{\"name\": \"f\", \"parameters\": {}}").calls())
                .containsExactly(new ToolCall("call_0", "f", "{}"));
        assertThat(parser(ToolCallFormat.LLAMA_JSON).parse("The answer is {\"name\": \"f\", \"parameters\": {}}").hasCalls()).isFalse();
        assertThat(parser(ToolCallFormat.LLAMA_JSON).parse("{\"title\": \"not a call\"}").hasCalls()).isFalse();
    }

    @Test
    void mistralListOfCalls() {
        ToolCallParser.Parsed parsed = parser(ToolCallFormat.MISTRAL).parse("[TOOL_CALLS] [{\"name\": \"a\", \"arguments\": {\"q\": \"x\"}},"
                + " {\"name\": \"b\", \"arguments\": {}, \"id\": \"abc123def\"}]");
        assertThat(parsed.calls()).containsExactly(new ToolCall("call_0", "a", "{\"q\":\"x\"}"),
                new ToolCall("abc123def", "b", "{}"));
        // Forced: prefilled with "[TOOL_CALLS][", the generation ends with the object.
        assertThat(parser(ToolCallFormat.MISTRAL).parse("[TOOL_CALLS][{\"name\": \"a\", \"arguments\": {}}").calls())
                .containsExactly(new ToolCall("call_0", "a", "{}"));
        assertThat(parser(ToolCallFormat.MISTRAL).parse("[TOOL_CALLS] nonsense").hasCalls()).isFalse();
    }

    @Test
    void possibleCallStartHoldsBackPrefixesOfTheOpening() {
        ToolCallParser hermes = parser(ToolCallFormat.HERMES);
        assertThat(hermes.possibleCallStart("Sure <tool")).isEqualTo(5);
        assertThat(hermes.possibleCallStart("Sure <tool_call>{")).isEqualTo(5);
        assertThat(hermes.possibleCallStart("a < b")).isEqualTo(-1);
        assertThat(hermes.possibleCallStart("a <")).isEqualTo(2);
        ToolCallParser llama = parser(ToolCallFormat.LLAMA_JSON);
        assertThat(llama.possibleCallStart("  {\"na")).isEqualTo(2);
        assertThat(llama.possibleCallStart("Hello {")).isEqualTo(-1);
        assertThat(parser(ToolCallFormat.MISTRAL).possibleCallStart("x [TOOL_")).isEqualTo(2);
    }

    @Test
    void formatsRecognisedFromRealTemplates() throws IOException {
        assertThat(ToolCallFormat.of(template("qwen2.5-instruct"))).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.of(template("qwen3"))).isEqualTo(ToolCallFormat.HERMES);
        assertThat(ToolCallFormat.of(template("llama3.1-instruct"))).isEqualTo(ToolCallFormat.LLAMA_JSON);
        assertThat(ToolCallFormat.of(template("llama3.2-instruct"))).isEqualTo(ToolCallFormat.LLAMA_JSON);
        assertThat(ToolCallFormat.of(template("mistral-nemo-instruct"))).isEqualTo(ToolCallFormat.MISTRAL);
        // Without tool support: we render the tools ourselves, in the Hermes format.
        assertThat(new JinjaChatTemplate(template("gemma-2-it"), "<bos>", "<eos>").toolCallFormat()).isEqualTo(ToolCallFormat.HERMES);
        assertThat(new JinjaChatTemplate(template("mistral-nemo-instruct"), "<s>", "</s>").toolCallFormat()).isEqualTo(ToolCallFormat.MISTRAL);
    }

    static String template(String name) throws IOException {
        try (InputStream in = ToolCallParserTest.class.getResourceAsStream("/chat/templates/" + name + ".jinja")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
