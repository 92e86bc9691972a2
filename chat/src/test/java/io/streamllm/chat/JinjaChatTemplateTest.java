package io.streamllm.chat;

import io.streamllm.api.StreamllmException;
import io.streamllm.util.Json;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Renders real chat templates of popular models and compares with Python's jinja2, set up as transformers
 * sets it up (expected.json, written by src/test/resources/chat/generate_expected.py).
 */
class JinjaChatTemplateTest {

    @SuppressWarnings("unchecked")
    @TestFactory
    Stream<DynamicTest> rendersAsPythonJinja2() {
        Map<String, Object> cases = Json.parseObject(resource("cases.json"));
        Map<String, Object> expected = Json.parseObject(resource("expected.json"));
        Map<String, Object> templates = (Map<String, Object>) cases.get("templates");
        Map<String, Object> conversations = (Map<String, Object>) cases.get("conversations");
        Clock clock = Clock.fixed(LocalDateTime.parse((String) cases.get("now")).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

        List<DynamicTest> tests = new ArrayList<>();
        for (Object item : (List<Object>) expected.get("results")) {
            Map<String, Object> result = (Map<String, Object>) item;
            String name = (String) result.get("template");
            String conversation = (String) result.get("conversation");
            boolean generationPrompt = (Boolean) result.get("add_generation_prompt");
            Map<String, Object> tokens = (Map<String, Object>) templates.get(name);
            List<ChatMessage> messages = messages((List<Object>) conversations.get(conversation));
            tests.add(DynamicTest.dynamicTest(name + " / " + conversation + (generationPrompt ? " + generation prompt" : ""), () -> {
                JinjaChatTemplate template = new JinjaChatTemplate(resource("templates/" + name + ".jinja"),
                        (String) tokens.get("bos_token"), (String) tokens.get("eos_token"), clock);
                if (result.containsKey("error")) {
                    assertThatThrownBy(() -> template.render(messages, generationPrompt))
                            .isInstanceOf(StreamllmException.class)
                            .hasMessage("the model's chat template rejects this conversation: " + result.get("error"));
                } else {
                    assertThat(template.render(messages, generationPrompt)).isEqualTo(result.get("text"));
                }
            }));
        }
        assertThat(tests).hasSizeGreaterThanOrEqualTo(100);
        return tests.stream();
    }

    @Test
    void pythonStringMethodsAndFilters() {
        String source = "{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}|"
                + "{{ messages[0].content.strip().startswith('Hi') }}|{{ messages[0].content.strip().endswith(('x', 'there')) }}|"
                + "{{ messages[0].role.upper() }}|{{ messages[0].content.split() | length }}|{{ messages[0].content | trim }}|"
                + "{{ messages[0].content.strip().replace('there', 'you') }}|{{ 'a b'.title() }}";
        JinjaChatTemplate template = new JinjaChatTemplate(source, "", "");
        assertThat(template.render(List.of(new ChatMessage("user", "\u00a0 Hi there\n")), false))
                .isEqualTo("Hi there|Hi there\n|\u00a0 Hi there|true|true|USER|2|Hi there|Hi you|A B");
    }

    @Test
    void notBindsLooserThanComparisonsAsInPython() {
        JinjaChatTemplate template = new JinjaChatTemplate(
                "{{ not messages|length == 1 }} {{ not messages|length == 2 }} {{ messages[0].role == 'user' and not messages[0].content == 'x' }}", "", "");
        assertThat(template.render(List.of(new ChatMessage("user", "y")), false)).isEqualTo("false true true");
    }

    private static final List<ChatMessage> FOUR_TURNS = List.of(new ChatMessage("system", "s"), new ChatMessage("user", "u1"),
            new ChatMessage("assistant", "a1"), new ChatMessage("user", "u2"));

    /** Expected texts: Python's jinja2 semantics, as @huggingface/jinja 0.5.11 renders them. */
    @Test
    void namespaceTakesKeywordArgumentsWhoseValuesAreWholeExpressions() {
        JinjaChatTemplate template = new JinjaChatTemplate("{% set ns = namespace(found=false, last=messages|length - 1, label='a' ~ 'b') %}"
                + "{{ ns.last }} {{ ns.found }} {{ ns.label }}{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}"
                + "{% set ns.last = loop.index0 %}{% endif %}{% endfor %} {{ ns.found }} {{ ns.last }}", "", "");
        assertThat(template.render(FOUR_TURNS, false)).isEqualTo("3 false ab true 3");
    }

    @Test
    void slicesWithAStepAsInPython() {
        JinjaChatTemplate template = new JinjaChatTemplate("{% for m in messages[::-1] %}{{ m.content }}{% endfor %}|{{ 'abcdef'[::-1] }}|"
                + "{{ 'abcdef'[1::2] }}|{{ 'abcdef'[-2:] }}|{{ 'abcdef'[4:1:-1] }}|{{ 'abcdef'[:-10:-2] }}|{{ [1,2,3,4,5][::2]|join(',') }}|"
                + "{{ [1,2,3][5:] | length }}", "", "");
        assertThat(template.render(FOUR_TURNS, false)).isEqualTo("u2a1u1s|fedcba|bdf|ef|edc|fdb|1,3,5|0");
    }

    @Test
    void loopFiltersCountOnlyTheItemsTheyKeep() {
        JinjaChatTemplate template = new JinjaChatTemplate(
                "{% for m in messages if m.role == 'user' %}{{ loop.index }}:{{ m.content }}{% if not loop.last %},{% endif %}{% endfor %}", "", "");
        assertThat(template.render(FOUR_TURNS, false)).isEqualTo("1:u1,2:u2");
    }

    @Test
    void toJsonWritesPythonJson() {
        JinjaChatTemplate template = new JinjaChatTemplate(
                "{{ {'name': 'f', 'n': 1, 'x': 0.5, 'ok': true, 'none': none, 'empty': {}, 'list': [1, 'é\"']} | tojson }}\n"
                        + "{{ {'a': [1, 2]} | tojson(indent=2) }}", "", "");
        assertThat(template.render(List.of(), false)).isEqualTo(
                "{\"name\": \"f\", \"n\": 1, \"x\": 0.5, \"ok\": true, \"none\": null, \"empty\": {}, \"list\": [1, \"é\\\"\"]}\n"
                        + "{\n  \"a\": [\n    1,\n    2\n  ]\n}");
    }

    @Test
    void strftimeNowReadsTheClock() {
        Clock clock = Clock.fixed(LocalDateTime.parse("2024-02-05T09:03:04").toInstant(ZoneOffset.UTC), ZoneOffset.UTC);
        JinjaChatTemplate template = new JinjaChatTemplate(
                "{% if strftime_now is defined %}{{ strftime_now('%d %b %Y|%-d %B|%A %H:%M:%S %p|%j|%%') }}{% endif %}", "", "", clock);
        assertThat(template.render(List.of(), false)).isEqualTo("05 Feb 2024|5 February|Monday 09:03:04 AM|036|%");
    }

    @Test
    void raiseExceptionBecomesAClearError() {
        JinjaChatTemplate template = new JinjaChatTemplate(
                "{% if messages[0].role != 'user' %}{{ raise_exception('first message must be from the user') }}{% endif %}ok", "", "");
        assertThat(template.render(List.of(new ChatMessage("user", "hi")), true)).isEqualTo("ok");
        assertThatThrownBy(() -> template.render(List.of(new ChatMessage("system", "s")), true))
                .isInstanceOf(StreamllmException.class)
                .hasMessage("the model's chat template rejects this conversation: first message must be from the user");
    }

    @Test
    void malformedTagThatJinjavaThrowsIsRejectedUpFrontToo() {
        // Found by fuzzing: "{%}" is thrown by Jinjava's parser instead of being collected as an error.
        assertThatThrownBy(() -> new JinjaChatTemplate("{% if add_generation_prompt %}{%}{% endif %}", "", ""))
                .isInstanceOf(StreamllmException.class)
                .hasMessageStartingWith("the model's chat template cannot be parsed: ")
                .hasMessageContaining("Malformed tag token");
    }

    @Test
    void unparsableTemplateIsRejectedUpFront() {
        assertThatThrownBy(() -> new JinjaChatTemplate("{% for m in messages %}{{ m.content }}", "", ""))
                .isInstanceOf(StreamllmException.class)
                .hasMessageStartingWith("the model's chat template cannot be parsed: ");
    }

    private static List<ChatMessage> messages(List<Object> list) {
        List<ChatMessage> messages = new ArrayList<>();
        for (Object item : list) {
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) item;
            messages.add(new ChatMessage((String) message.get("role"), (String) message.get("content")));
        }
        return messages;
    }

    static String resource(String name) {
        try (InputStream in = JinjaChatTemplateTest.class.getResourceAsStream("/chat/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource chat/" + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
