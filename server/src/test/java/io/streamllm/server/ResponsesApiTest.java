package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputText;
import com.openai.models.responses.ResponseStreamEvent;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Generation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.PlainChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The OpenAI Java SDK's Responses API against the server: the text is the engine's own greedy answer for the
 * same conversation, whole and streamed (with the API's events in order), and previous_response_id continues
 * in the session whose cache already holds the conversation.
 */
class ResponsesApiTest {
    private static final int MAX_TOKENS = 12;
    private static OpenAiFixture fixture;
    private static StreamllmServer server;
    private static OpenAIClient client;
    private static StreamingModel model;
    private static String modelId;

    @BeforeAll
    static void start() {
        fixture = OpenAiFixture.start();
        server = fixture.server();
        client = fixture.client();
        model = fixture.model();
        modelId = fixture.modelId();
    }

    @AfterAll
    static void stop() {
        fixture.close();
    }

    /** What the engine generates, greedy, for {@code messages} rendered as the server renders them (the plain template). */
    private static Generation reference(List<ChatMessage> messages) {
        PlainChatTemplate template = new PlainChatTemplate();
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
        int[] prompt = encoder.encode(encoder.render(template, messages, true));
        List<String> stops = new ArrayList<>(template.stopStrings());
        stops.add(model.tokenizer().piece(model.tokenizer().specials().eos()));
        return model.newSession(CachePolicy.sink(4, 507))
                .generate(prompt, Sampling.greedy().maxTokens(MAX_TOKENS).stopStrings(stops), text -> { }, () -> false);
    }

    private static ResponseCreateParams.Builder params(String input) {
        return ResponseCreateParams.builder().model(modelId).input(input).maxOutputTokens(MAX_TOKENS).temperature(0.0);
    }

    private static String text(Response response) {
        return response.output().stream().flatMap(item -> item.message().stream())
                .flatMap(message -> message.content().stream())
                .flatMap(content -> content.outputText().stream()).map(ResponseOutputText::text)
                .collect(Collectors.joining());
    }

    @Test
    void aResponseIsTheEnginesAnswer() {
        Generation expected = reference(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Where is the cat?")));
        Response response = client.responses().create(params("Where is the cat?").instructions("Be brief.").build());

        assertThat(text(response)).isEqualTo(expected.text());
        assertThat(response.id()).startsWith("resp_");
        assertThat(response.status().orElseThrow().asString())
                .isEqualTo(expected.generatedTokens() == MAX_TOKENS ? "incomplete" : "completed");
        assertThat(response.usage().orElseThrow().inputTokens()).isEqualTo(expected.promptTokens());
        assertThat(response.usage().orElseThrow().outputTokens()).isEqualTo(expected.generatedTokens());
        assertThat(response.instructions().orElseThrow().string()).contains("Be brief.");
    }

    @Test
    void aStreamedResponseSendsTheApisEventsInOrder() {
        Generation expected = reference(List.of(new ChatMessage("user", "Tell me about the dog.")));
        StringBuilder deltas = new StringBuilder();
        List<String> types = new ArrayList<>();
        List<Long> sequence = new ArrayList<>();
        Response[] last = new Response[1];
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(params("Tell me about the dog.").build())) {
            stream.stream().forEach(event -> {
                event.outputTextDelta().ifPresent(delta -> deltas.append(delta.delta()));
                event.completed().ifPresent(done -> last[0] = done.response());
                event.incomplete().ifPresent(done -> last[0] = done.response());
                JsonNode json = TestServers.JSON.valueToTree(event);
                types.add(json.get("type").asText());
                sequence.add(json.get("sequence_number").asLong());
            });
        }
        assertThat(deltas.toString()).isEqualTo(expected.text());
        assertThat(types.getFirst()).isEqualTo("response.created");
        assertThat(types.stream().distinct().toList()).containsSubsequence("response.created", "response.in_progress",
                "response.output_item.added", "response.content_part.added", "response.output_text.delta",
                "response.output_text.done", "response.content_part.done", "response.output_item.done");
        assertThat(types.getLast()).isIn("response.completed", "response.incomplete");
        assertThat(types.stream().filter(type -> type.equals("response.output_text.delta")).count()).isGreaterThan(1);
        assertThat(sequence).isSorted().doesNotHaveDuplicates().startsWith(0L);
        assertThat(text(last[0])).isEqualTo(expected.text());
    }

    @Test
    void previousResponseIdContinuesInTheCachedSession() {
        Response first = client.responses().create(params("Once upon a time there was a girl.").build());
        Response second = client.responses().create(params("What did she do?").previousResponseId(first.id()).build());

        String firstAnswer = text(first);
        Generation expected = reference(List.of(new ChatMessage("user", "Once upon a time there was a girl."),
                new ChatMessage("assistant", firstAnswer), new ChatMessage("user", "What did she do?")));
        assertThat(text(second)).isEqualTo(expected.text());
        assertThat(second.previousResponseId()).contains(first.id());
        // the first response's whole prompt was found in the session's cache, not read again
        long firstPrompt = first.usage().orElseThrow().inputTokens();
        assertThat(second.usage().orElseThrow().inputTokensDetails().cachedTokens()).isGreaterThanOrEqualTo(firstPrompt);
        assertThat(second.usage().orElseThrow().inputTokens()).isEqualTo(expected.promptTokens());
        JsonNode stored = TestServers.get(server, "/v1/responses/" + second.id()).json();
        assertThat(stored.get("streamllm").get("session").asText()).isEqualTo(first.id());
    }

    @Test
    void storedResponsesCanBeRetrievedAndDeleted() {
        Response response = client.responses().create(params("Hello").build());
        assertThat(text(client.responses().retrieve(response.id()))).isEqualTo(text(response));
        assertThat(TestServers.send(server, "DELETE", "/v1/responses/" + response.id()).json().get("deleted").asBoolean()).isTrue();
        TestServers.Reply gone = TestServers.get(server, "/v1/responses/" + response.id());
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.error().get("code").asText()).isEqualTo("response_not_found");
    }

    @Test
    void unstoredResponsesRunInATemporarySessionAndCannotBeContinued() {
        Response response = client.responses().create(params("Hello").store(false).build());
        TestServers.Reply reply = TestServers.post(server, "/v1/responses", "{\"model\":\"" + modelId
                + "\",\"input\":\"And then?\",\"previous_response_id\":\"" + response.id() + "\"}");
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.error().get("param").asText()).isEqualTo("previous_response_id");
    }

    @Test
    void inputItemsWithTextPartsAndAssistantTurnsAreRead() {
        Generation expected = reference(List.of(new ChatMessage("user", "Hi"), new ChatMessage("assistant", "Hello."),
                new ChatMessage("user", "Where is the cat?")));
        String body = "{\"model\":\"" + modelId + "\",\"temperature\":0,\"max_output_tokens\":" + MAX_TOKENS + ",\"input\":["
                + "{\"role\":\"user\",\"content\":[{\"type\":\"input_text\",\"text\":\"Hi\"}]},"
                + "{\"type\":\"message\",\"role\":\"assistant\",\"content\":[{\"type\":\"output_text\",\"text\":\"Hello.\"}]},"
                + "{\"role\":\"user\",\"content\":\"Where is the cat?\"}]}";
        TestServers.Reply reply = TestServers.post(server, "/v1/responses", body);
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().at("/output/0/content/0/text").asText()).isEqualTo(expected.text());
    }

    @Test
    void unsupportedFieldsAreRefusedTogetherByName() {
        TestServers.Reply reply = TestServers.post(server, "/v1/responses", "{\"model\":\"" + modelId + "\",\"input\":\"Hi\","
                + "\"tools\":[{\"type\":\"function\",\"name\":\"f\"}],\"reasoning\":{\"effort\":\"high\"},"
                + "\"text\":{\"format\":{\"type\":\"json_object\"}}}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error().get("type").asText()).isEqualTo("invalid_request_error");
        assertThat(reply.error().get("message").asText()).contains("tools", "reasoning", "text.format");
        // the harmless defaults clients send are accepted
        TestServers.Reply defaults = TestServers.post(server, "/v1/responses", "{\"model\":\"" + modelId + "\",\"input\":\"Hi\","
                + "\"max_output_tokens\":2,\"tools\":[],\"include\":[],\"reasoning\":null,\"truncation\":\"disabled\","
                + "\"text\":{\"format\":{\"type\":\"text\"}},\"tool_choice\":\"auto\",\"parallel_tool_calls\":true}");
        assertThat(defaults.status()).as(defaults.body()).isEqualTo(200);
    }

    @Test
    void badInputIsA400NamingTheField() {
        for (String[] bad : new String[][]{
                {"{\"model\":\"" + modelId + "\"}", "input"},
                {"{\"model\":\"" + modelId + "\",\"input\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_image\",\"image_url\":\"x\"}]}]}", "input[0].content[0]"},
                {"{\"model\":\"" + modelId + "\",\"input\":[{\"type\":\"function_call_output\",\"call_id\":\"c\",\"output\":\"x\"}]}", "input[0].type"},
                {"{\"model\":\"" + modelId + "\",\"input\":\"Hi\",\"temperature\":3}", "temperature"},
                {"{\"model\":\"" + modelId + "\",\"input\":\"Hi\",\"max_output_tokens\":0}", "max_output_tokens"}}) {
            TestServers.Reply reply = TestServers.post(server, "/v1/responses", bad[0]);
            assertThat(reply.status()).as(bad[0]).isEqualTo(400);
            assertThat(reply.error().get("param").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
    }
}
