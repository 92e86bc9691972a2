package io.streamllm.server;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import com.openai.models.chat.completions.StructuredChatCompletionCreateParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * response_format through real clients: the OpenAI Java SDK's structured outputs (a Java class as the schema),
 * whole and streamed, json_object mode, and a 400 naming an unsupported schema feature.
 */
class StructuredOutputServerTest {
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES).enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);
    private static StreamllmServer server;
    private static OpenAIClient client;

    /** The answer's shape, as an SDK user writes it. */
    public static class Book {
        public String title;
        public int year;
        public List<String> tags;
        public boolean available;
        public Genre genre;
    }

    public enum Genre { FAIRY_TALE, MYSTERY, POEM }

    @BeforeAll
    static void start() {
        server = TestServers.start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    private static StructuredChatCompletionCreateParams<Book> bookRequest(long seed) {
        return ChatCompletionCreateParams.builder().model("tinyllamas-stories-260k").addUserMessage("Tell me about a book.")
                .maxCompletionTokens(200).temperature(1.0).seed(seed).responseFormat(Book.class).build();
    }

    @Test
    void sdkStructuredOutputsWithAJavaClass() {
        for (long seed = 0; seed < 5; seed++) {
            StructuredChatCompletion<Book> completion = client.chat().completions().create(bookRequest(seed));
            Book book = completion.choices().getFirst().message().content().orElseThrow();
            assertThat(book.title).isNotNull();
            assertThat(book.tags).isNotNull();
            assertThat(book.genre).isNotNull();
            String raw = completion.choices().getFirst().message().rawMessage().content().orElseThrow();
            assertThat(parseStrictly(raw).title).isEqualTo(book.title);
        }
    }

    @Test
    void sdkStructuredOutputsStreamed() {
        for (long seed = 10; seed < 13; seed++) {
            StringBuilder text = new StringBuilder();
            try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(bookRequest(seed))) {
                stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(text::append)));
            }
            Book book = parseStrictly(text.toString());
            assertThat(book.title).isNotNull();
            assertThat(book.tags).isNotNull();
        }
    }

    private static Book parseStrictly(String json) {
        try {
            JsonNode node = STRICT.readTree(json);
            assertThat(node.properties()).extracting(java.util.Map.Entry::getKey)
                    .containsExactlyInAnyOrder("title", "year", "tags", "available", "genre");
            return STRICT.treeToValue(node, Book.class);
        } catch (Exception e) {
            throw new AssertionError("not a Book: " + json, e);
        }
    }

    @Test
    void jsonObjectModeAnswersAnObject() throws Exception {
        for (String stream : List.of("false", "true")) {
            TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", """
                    {"model":"tinyllamas-stories-260k","messages":[{"role":"user","content":"Hi"}],"max_tokens":60,"seed":1,"stream":%s,
                     "response_format":{"type":"json_object"}}""".formatted(stream));
            assertThat(reply.status()).isEqualTo(200);
            String content;
            if (stream.equals("false")) {
                content = reply.json().at("/choices/0/message/content").asText();
                if (reply.json().at("/choices/0/finish_reason").asText().equals("length")) {
                    continue; // cut by the budget, as OpenAI does: the partial text with finish_reason length
                }
            } else {
                StringBuilder text = new StringBuilder();
                for (String line : reply.body().split("\n")) {
                    if (line.startsWith("data: {")) {
                        text.append(new ObjectMapper().readTree(line.substring(6)).at("/choices/0/delta/content").asText(""));
                    }
                }
                content = text.toString();
            }
            assertThat(new ObjectMapper().readTree(content).isObject()).as(content).isTrue();
        }
    }

    @Test
    void unsupportedSchemaFeaturesAreA400NamingThem() {
        TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", """
                {"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"json_schema",
                 "json_schema":{"name":"n","strict":true,"schema":{"type":"object","properties":{"d":{"type":"string",
                 "format":"date-time"}},"required":["d"],"additionalProperties":false}}}}""");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.json().at("/error/message").asText()).contains("\"format\"");
        assertThat(reply.json().at("/error/param").asText()).isEqualTo("response_format.json_schema.schema");

        TestServers.Reply badType = TestServers.post(server, "/v1/chat/completions", """
                {"model":"m","messages":[{"role":"user","content":"Hi"}],"response_format":{"type":"yaml"}}""");
        assertThat(badType.status()).isEqualTo(400);
        assertThat(badType.json().at("/error/message").asText()).contains("yaml");
    }
}
