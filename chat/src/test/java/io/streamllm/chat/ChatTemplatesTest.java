package io.streamllm.chat;

import io.streamllm.model.Model;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ChatTemplatesTest {
    private static final Model model = ShippedModel.stories260K();

    private static Model withTemplate(String template) {
        return new Model(model.name(), model.source(), model.config(), model.network(), model.tokenizer(), template, model.store());
    }

    @Test
    void theShippedModelsGetThePlainTranscript() {
        assertThat(model.chatTemplate()).isNull();
        assertThat(ChatTemplates.forModel(model)).isInstanceOf(PlainChatTemplate.class);
    }

    @Test
    void aModelTemplateIsRenderedWithTheModelsBosAndEosTexts() {
        ChatTemplate template = ChatTemplates.forModel(withTemplate("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}"));
        assertThat(template).isInstanceOf(JinjaChatTemplate.class);
        assertThat(template.render(List.of(new ChatMessage("user", "hi")), true)).isEqualTo("<s>hi</s>");
        assertThat(template.stopStrings()).isEmpty();
    }

    @Test
    void anUnparsableTemplateFallsBackToPlainWithOneWarningLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChatTemplate template = ChatTemplates.forModel(withTemplate("{% for m in messages %}{{ m.content }}"),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(template).isInstanceOf(PlainChatTemplate.class);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .startsWith("streamllm: warning: the model's chat template cannot be parsed: ")
                .endsWith("; using the plain transcript template");
    }
}
