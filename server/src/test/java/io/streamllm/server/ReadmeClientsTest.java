package io.streamllm.server;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.openai.OpenAiChatModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The client snippets of the README, run as written against a server on the shipped model. */
class ReadmeClientsTest {
    private static StreamllmServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void theOpenAiJavaSnippetGetsAnAnswerAndKeepsItsSession() {
        OpenAIClient client = OpenAIOkHttpClient.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("unused").build();
        try {
            for (int turn = 1; turn <= 2; turn++) {
                ChatCompletion answer = client.chat().completions().create(ChatCompletionCreateParams.builder()
                        .model("tinyllamas-stories-260k")
                        .addUserMessage("Tell me a story about a cat.")
                        .putAdditionalHeader("X-Session-Id", "alice")
                        .maxCompletionTokens(64)
                        .build());
                assertThat(answer.choices().get(0).message().content().orElse("")).isNotBlank();
            }
        } finally {
            client.close();
        }
        assertThat(TestServers.get(server, "/v1/sessions/alice").json().toString()).contains("\"turns\":2");
    }

    @Test
    void theLangChain4jSnippetGetsAnAnswerInItsSession() {
        ChatModel model = OpenAiChatModel.builder()
                .baseUrl(server.baseUrl() + "/v1").apiKey("unused")
                .modelName("tinyllamas-stories-260k")
                .customHeaders(Map.of("X-Session-Id", "bob"))
                .maxTokens(64)
                .build();
        assertThat(model.chat("Tell me a story about a cat.")).isNotBlank();
        assertThat(TestServers.get(server, "/v1/sessions/bob").status()).isEqualTo(200);
    }
}
