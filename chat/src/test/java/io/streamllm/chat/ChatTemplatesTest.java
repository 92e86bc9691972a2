package io.streamllm.chat;

import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class ChatTemplatesTest {
    private static final StreamingModel model = ShippedModel.stories260K();

    /** The template of a model like the shipped one whose file carries {@code template}. */
    private static ChatTemplate withTemplate(String template, PrintStream warnings) {
        return ChatTemplates.forTemplate(Optional.of(template), model.tokenizer(), warnings);
    }

    @Test
    void theShippedModelsGetThePlainTranscript() {
        assertThat(model.chatTemplate()).isEmpty();
        assertThat(ChatTemplates.forModel(model)).isInstanceOf(PlainChatTemplate.class);
    }

    @Test
    void aModelTemplateIsRenderedWithTheModelsBosAndEosTexts() {
        ChatTemplate template = withTemplate("{{ bos_token }}{{ messages[0].content }}{{ eos_token }}", System.err);
        assertThat(template).isInstanceOf(JinjaChatTemplate.class);
        assertThat(template.render(List.of(new ChatMessage("user", "hi")), true)).isEqualTo("<s>hi</s>");
        assertThat(template.stopStrings()).isEmpty();
    }

    @Test
    void anUnparsableTemplateFallsBackToPlainWithOneWarningLine() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ChatTemplate template = withTemplate("{% for m in messages %}{{ m.content }}",
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(template).isInstanceOf(PlainChatTemplate.class);
        assertThat(err.toString(StandardCharsets.UTF_8).lines().toList()).singleElement().asString()
                .startsWith("streamllm: warning: the model's chat template cannot be parsed: ")
                .endsWith("; using the plain transcript template");
    }
}
