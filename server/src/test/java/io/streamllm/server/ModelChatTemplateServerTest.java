package io.streamllm.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.RenderedChat;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;

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
        Model shipped = TestServers.loadModel();
        Model model = new Model(shipped.name(), shipped.source(), shipped.config(), shipped.network(), shipped.tokenizer(),
                template(templateName), shipped.store());
        try (StreamllmServer server = TestServers.start(ServerOptions.local(),
                () -> new ServedModel(model, CachePolicy.parse("sink:4:250"), 64, 1))) {
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
