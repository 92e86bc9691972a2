package io.streamllm.server;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.SpecialTokenTexts;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.testing.References;
import io.streamllm.api.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Through the HTTP server, on both endpoints and both shipped models: special-token text in a message or a
 * prompt reaches the model as plain text, and as the special token only under {@code --special-in-content}.
 * Checked on the token history the server keeps for the session.
 */
class SpecialTokensInContentServerTest {

    @ParameterizedTest(name = "{0}, special in content: {1}")
    @CsvSource({"stories260K/stories260K.gguf, false", "stories260K/stories260K.gguf, true",
            "tinystories-656k, false", "tinystories-656k, true"})
    void contentReachesTheModelAsPlainTextUnlessAllowed(String modelPath, boolean specialInContent) {
        Path path = References.model(modelPath);
        try (StreamllmServer server = TestServers.start(ServerOptions.local(),
                () -> new ServedModel(StreamingModel.load(path), SessionOptions.of(CachePolicy.sink(4, 250)), specialInContent))) {
            ServedModel served = server.awaitReady();
            Tokenizer tokenizer = served.model().tokenizer();
            Map<String, Integer> specials = SpecialTokenTexts.of(tokenizer);
            assertThat(specials).hasSizeGreaterThanOrEqualTo(3);
            for (Map.Entry<String, Integer> special : specials.entrySet()) {
                String content = "Say " + special.getKey() + " now, A" + special.getKey() + "B.";

                List<ChatMessage> chat = List.of(new ChatMessage("system", "Tell stories. " + special.getKey()),
                        new ChatMessage("user", content));
                ObjectNode chatBody = body(served.id());
                chat.forEach(m -> chatBody.withArray("messages").addObject().put("role", m.role()).put("content", m.content()));
                String rendered = served.template().render(chat, true);
                assertPromptTokens(server, "/v1/chat/completions", chatBody, "chat-" + special.getValue(),
                        tokenizer.encode(rendered, true, specialInContent), special.getValue(), specialInContent);

                ObjectNode completionBody = body(served.id()).put("prompt", content);
                assertPromptTokens(server, "/v1/completions", completionBody, "completion-" + special.getValue(),
                        tokenizer.encode(content, true, specialInContent), special.getValue(), specialInContent);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static ObjectNode body(String modelId) {
        return TestServers.JSON.createObjectNode().put("model", modelId).put("max_tokens", 1).put("temperature", 0);
    }

    private static void assertPromptTokens(StreamllmServer server, String path, ObjectNode body, String session,
                                           int[] expected, int special, boolean specialInContent) {
        TestServers.Reply reply = TestServers.post(server, path, body.toString(), "X-Session-Id", session);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        int promptTokens = reply.json().path("usage").path("prompt_tokens").asInt();
        int[] prompt = Arrays.copyOf(TestChat.sessionTokens(server.baseUrl(), session), promptTokens);
        assertThat(prompt).as("%s %s", path, session).isEqualTo(expected);
        if (specialInContent) {
            assertThat(Arrays.stream(prompt).skip(1)).as("%s %s", path, session).contains(special);
        } else {
            assertThat(Arrays.stream(prompt).skip(1)).as("%s %s", path, session).doesNotContain(special);
        }
    }
}
