package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.ollama.OllamaChatModel;
import dev.langchain4j.model.ollama.OllamaStreamingChatModel;
import dev.langchain4j.model.output.FinishReason;
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

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Ollama's API: LangChain4j's OllamaChatModel and OllamaStreamingChatModel get the engine's own answer for
 * the same conversation and the sampler settings Ollama's options name (its defaults where absent); NDJSON
 * streams, the model listings, and errors in Ollama's shape.
 */
class OllamaApiTest {
    private static final int MAX_TOKENS = 12;
    private static StreamllmServer server;
    private static StreamingModel model;
    private static String modelId;

    @BeforeAll
    static void start() {
        server = TestServers.start();
        model = TestServers.loadModel();
        modelId = model.info().name();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    /** The engine's answer to {@code question} as a chat with the plain template, sampled as {@code sampling} says. */
    private static Generation chatReference(String question, Sampling sampling) {
        PlainChatTemplate template = new PlainChatTemplate();
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
        int[] prompt = encoder.encode(encoder.render(template, List.of(new ChatMessage("user", question)), true));
        List<String> stops = new ArrayList<>(template.stopStrings());
        stops.add(model.tokenizer().piece(model.tokenizer().specials().eos()));
        return model.newSession(CachePolicy.sink(4, 507)).generate(prompt, sampling.maxTokens(MAX_TOKENS).stopStrings(stops),
                text -> { }, () -> false);
    }

    @Test
    void ollamaChatModelGetsTheEnginesAnswerWithOllamasDefaultRepeatPenalty() {
        // temperature 0 is greedy; Ollama's repeat_penalty 1.1 over the last 64 tokens applies when the client sets none
        Generation expected = chatReference("Where is the cat?", Sampling.greedy().repetitionPenalty(1.1f, 64));
        OllamaChatModel chat = OllamaChatModel.builder().baseUrl(server.baseUrl()).modelName(modelId)
                .temperature(0.0).numPredict(MAX_TOKENS).numCtx(4096).timeout(Duration.ofSeconds(60)).build();

        ChatResponse response = chat.chat(UserMessage.from("Where is the cat?"));

        assertThat(response.aiMessage().text()).isEqualTo(expected.text());
        assertThat(response.tokenUsage().inputTokenCount()).isEqualTo(expected.promptTokens());
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(expected.generatedTokens());
        assertThat(response.finishReason()).isEqualTo(expected.generatedTokens() == MAX_TOKENS ? FinishReason.LENGTH : FinishReason.STOP);
    }

    @Test
    void ollamaStreamingChatModelGetsTheAnswerPieceByPieceWithItsOptions() throws Exception {
        Generation expected = chatReference("Tell me about the dog.", Sampling.greedy().repetitionPenalty(1.5f, 8));
        OllamaStreamingChatModel chat = OllamaStreamingChatModel.builder().baseUrl(server.baseUrl()).modelName(modelId)
                .temperature(0.0).repeatPenalty(1.5).repeatLastN(8).numPredict(MAX_TOKENS).timeout(Duration.ofSeconds(60)).build();
        List<String> pieces = new ArrayList<>();
        CompletableFuture<ChatResponse> done = new CompletableFuture<>();
        chat.chat(List.of(UserMessage.from("Tell me about the dog.")), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                pieces.add(partialResponse);
            }

            @Override
            public void onCompleteResponse(ChatResponse completeResponse) {
                done.complete(completeResponse);
            }

            @Override
            public void onError(Throwable error) {
                done.completeExceptionally(error);
            }
        });
        ChatResponse response = done.get(60, TimeUnit.SECONDS);

        assertThat(String.join("", pieces)).isEqualTo(expected.text());
        assertThat(pieces.size()).isGreaterThan(1);
        assertThat(response.aiMessage().text()).isEqualTo(expected.text());
        assertThat(response.tokenUsage().outputTokenCount()).isEqualTo(expected.generatedTokens());
    }

    @Test
    void generateStreamsNdjsonLinesAndRawSkipsTheTemplate() {
        Generation expected = model.newSession(CachePolicy.sink(4, 507)).generate(model.tokenizer().encode("Once upon a time", true, false),
                Sampling.greedy().maxTokens(MAX_TOKENS).stopStrings(List.of(model.tokenizer().piece(model.tokenizer().specials().eos()))),
                text -> { }, () -> false);
        TestServers.Reply reply = TestServers.post(server, "/api/generate", "{\"model\":\"" + modelId + ":latest\","
                + "\"prompt\":\"Once upon a time\",\"raw\":true,\"options\":{\"temperature\":0,\"repeat_penalty\":1,"
                + "\"num_predict\":" + MAX_TOKENS + "}}");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.response().headers().firstValue("Content-Type").orElse("")).startsWith("application/x-ndjson");
        List<JsonNode> lines = reply.body().lines().map(OllamaApiTest::parse).toList();
        StringBuilder text = new StringBuilder();
        lines.forEach(line -> text.append(line.get("response").asText()));
        assertThat(text.toString()).isEqualTo(expected.text());
        assertThat(lines.size()).isGreaterThan(2);
        assertThat(lines.subList(0, lines.size() - 1)).allMatch(line -> !line.get("done").asBoolean());
        JsonNode last = lines.getLast();
        assertThat(last.get("done").asBoolean()).isTrue();
        assertThat(last.get("eval_count").asInt()).isEqualTo(expected.generatedTokens());
        assertThat(last.get("prompt_eval_count").asInt()).isEqualTo(expected.promptTokens());
        assertThat(last.get("total_duration").asLong()).isPositive();
    }

    private static JsonNode parse(String line) {
        try {
            return TestServers.JSON.readTree(line);
        } catch (IOException e) {
            throw new UncheckedIOException(line, e);
        }
    }

    @Test
    void nothingToGenerateIsOllamasLoad() {
        JsonNode chat = TestServers.post(server, "/api/chat", "{\"model\":\"" + modelId + "\",\"messages\":[]}").json();
        assertThat(chat.get("done_reason").asText()).isEqualTo("load");
        JsonNode generate = TestServers.post(server, "/api/generate", "{\"model\":\"" + modelId + "\"}").json();
        assertThat(generate.get("done").asBoolean()).isTrue();
        assertThat(generate.get("response").asText()).isEmpty();
    }

    @Test
    void listingsDescribeTheServedModel() {
        JsonNode tags = TestServers.get(server, "/api/tags").json();
        assertThat(tags.at("/models/0/name").asText()).isEqualTo(modelId + ":latest");
        assertThat(tags.at("/models/0/details/family").asText()).isEqualTo(model.info().architecture());
        assertThat(tags.at("/models/0/size").asLong()).isEqualTo(model.weights().bytes());
        assertThat(tags.at("/models/0/digest").asText()).hasSize(64);
        JsonNode ps = TestServers.get(server, "/api/ps").json();
        assertThat(ps.at("/models/0/name").asText()).isEqualTo(modelId + ":latest");
        assertThat(ps.at("/models/0/context_length").asInt()).isEqualTo(4 + 507);
        JsonNode show = TestServers.post(server, "/api/show", "{\"model\":\"" + modelId + "\"}").json();
        assertThat(show.at("/model_info/general.architecture").asText()).isEqualTo(model.info().architecture());
        assertThat(show.at("/model_info/" + model.info().architecture() + ".context_length").asInt())
                .isEqualTo(model.info().contextLength());
        assertThat(show.get("capabilities").toString()).contains("completion");
        assertThat(TestServers.get(server, "/api/version").json().get("version").asText()).matches("\\d+\\.\\d+\\.\\d+");
    }

    @Test
    void errorsAreOllamasShape() {
        TestServers.Reply unknownModel = TestServers.post(server, "/api/chat", "{\"model\":\"llama3\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");
        assertThat(unknownModel.status()).isEqualTo(404);
        assertThat(unknownModel.json().get("error").isTextual()).isTrue();
        assertThat(unknownModel.json().get("error").asText()).contains("llama3");

        for (String[] bad : new String[][]{
                {"\"options\":{\"mirostat\":2}", "mirostat"},
                {"\"options\":{\"num_predict\":0}", "num_predict"},
                {"\"options\":{\"top_k\":-3}", "top_k"},
                {"\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\"}}]", "tool"},
                {"\"format\":\"json\"", "format"},
                {"\"think\":true", "think"},
                {"\"messages\":[{\"role\":\"user\",\"content\":\"Hi\",\"images\":[\"aGk=\"]}]", "images"}}) {
            String body = "{\"model\":\"" + modelId + "\",\"stream\":false," + bad[0]
                    + (bad[0].startsWith("\"messages\"") ? "" : ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]") + "}";
            TestServers.Reply reply = TestServers.post(server, "/api/chat", body);
            assertThat(reply.status()).as(body).isEqualTo(400);
            assertThat(reply.json().get("error").asText()).as(body).contains(bad[1]);
        }
        TestServers.Reply unknownPath = TestServers.get(server, "/api/pull");
        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.json().get("error").isTextual()).isTrue();
    }

    @Test
    void hardwareOptionsAreIgnoredAndCurlStyleBodiesAreRead() {
        String body = "{\"model\":\"" + modelId + "\",\"stream\":false,\"prompt\":\"Hi\",\"options\":{\"num_ctx\":8192,"
                + "\"num_gpu\":99,\"num_thread\":8,\"use_mmap\":true,\"num_predict\":3}}";
        // curl -d sends application/x-www-form-urlencoded and no Origin: read as JSON
        TestServers.Reply curl = TestServers.post(server, "/api/generate", body, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(curl.status()).as(curl.body()).isEqualTo(200);
        assertThat(curl.json().get("eval_count").asInt()).isBetween(1, 3);
        // a web page's form post (it names its origin) is not
        TestServers.Reply page = TestServers.post(server, "/api/generate", body, "Content-Type", "text/plain",
                "Origin", "http://elsewhere.example");
        assertThat(page.status()).isEqualTo(415);
        assertThat(page.json().get("error").asText()).contains("JSON");
    }

    @Test
    void theApiKeyGuardsOllamasEndpointsToo() {
        try (StreamllmServer guarded = TestServers.start(ServerOptions.local().withApiKey("secret"), "sink:4:60")) {
            TestServers.Reply refused = TestServers.get(guarded, "/api/tags");
            assertThat(refused.status()).isEqualTo(401);
            assertThat(refused.json().get("error").isTextual()).isTrue();
            assertThat(TestServers.get(guarded, "/api/tags", "Authorization", "Bearer secret").status()).isEqualTo(200);
            assertThat(TestServers.post(guarded, "/tokenize", "{\"content\":\"Hi\"}").status()).isEqualTo(401);
        }
    }
}
