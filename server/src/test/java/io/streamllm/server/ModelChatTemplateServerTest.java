package io.streamllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.RenderedChat;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.JinjaChatTemplate;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A chat request to a model whose own template is Qwen3's or Gemma 3's (put on the shipped model) is
 * answered, with the prompt the template renders. Qwen3's template used to fail in Jinjava
 * ({@code namespace} with keyword arguments, {@code messages[::-1]}) and every chat request got a 500.
 */
class ModelChatTemplateServerTest {
    private static final List<ChatMessage> CONVERSATION = List.of(new ChatMessage("system", "Tell short stories."),
            new ChatMessage("user", "Once upon a time"), new ChatMessage("assistant", "there was a cat."),
            new ChatMessage("user", "What did the cat do?"));

    @ParameterizedTest
    @ValueSource(strings = {"qwen3", "gemma-3-it"})
    void aChatRequestIsAnsweredWithTheTemplatesPrompt(String templateName) throws Exception {
        StreamingModel model = TestServers.loadModel();
        // The shipped model's file has no template: served as if it carried this one.
        ChatTemplate template = new JinjaChatTemplate(template(templateName), "<s>", "</s>");
        try (StreamllmServer server = TestServers.start(ServerOptions.local(),
                () -> new ServedModel(model, SessionOptions.of(CachePolicy.sink(4, 250)), template, false))) {
            ServedModel served = server.awaitReady();
            ObjectNode body = TestServers.JSON.createObjectNode().put("model", served.id()).put("max_tokens", 4).put("temperature", 0);
            CONVERSATION.forEach(m -> body.withArray("messages").addObject().put("role", m.role()).put("content", m.content()));

            TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", body.toString(), "X-Session-Id", "chat");
            assertThat(reply.status()).as(reply.body()).isEqualTo(200);
            ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
            RenderedChat rendered = encoder.render(served.template(), CONVERSATION, true);
            assertThat(rendered.text()).contains("there was a cat.").endsWith(templateName.equals("qwen3")
                    ? "<|im_start|>assistant\n" : "<start_of_turn>model\n");
            int[] expected = encoder.encode(rendered);
            int promptTokens = reply.json().path("usage").path("prompt_tokens").asInt();
            assertThat(Arrays.copyOf(TestChat.sessionTokens(server.baseUrl(), "chat"), promptTokens)).isEqualTo(expected);
        }
    }

    private static String template(String name) throws IOException {
        try (InputStream in = ModelChatTemplateServerTest.class.getResourceAsStream("/chat/templates/" + name + ".jinja")) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
