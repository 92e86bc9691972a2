package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionTokenLogprob;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.api.TokenLogprob;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.PlainChatTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * logprobs, n, logit_bias, echo and /v1/embeddings through the OpenAI Java SDK and raw HTTP, checked against the
 * engine's scoring path (negative log-likelihoods), single requests with the choices' seeds and the model's own
 * embeddings.
 */
class SamplingFieldsServerTest {
    private static final String QUESTION = "Tell me about the little dog.";
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

    private static int[] chatPrompt(String question) {
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
        return encoder.encode(encoder.render(new PlainChatTemplate(), List.of(new ChatMessage("user", question)), true));
    }

    private static ChatCompletionCreateParams.Builder chat(String question, int maxTokens) {
        return ChatCompletionCreateParams.builder().model(modelId).addUserMessage(question).maxCompletionTokens(maxTokens);
    }

    @Test
    void chatLogprobsAreTheScoringPathsLogSoftmax() {
        ChatCompletion completion = client.chat().completions().create(chat(QUESTION, 10).temperature(0.0)
                .logprobs(true).topLogprobs(3L).build());
        List<ChatCompletionTokenLogprob> content = completion.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).isNotEmpty();

        // The engine's greedy tokens for the same prompt, scored on their own through negativeLogLikelihood.
        List<TokenLogprob> greedy = new ArrayList<>();
        int[] prompt = chatPrompt(QUESTION);
        model.newSession(CachePolicy.sink(4, 507)).generate(prompt, Sampling.greedy().maxTokens(content.size()).logprobs(0),
                text -> { }, greedy::add, () -> false);
        StreamingSession scorer = model.newSession(CachePolicy.sink(4, 507));
        scorer.append(prompt);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            ChatCompletionTokenLogprob entry = content.get(i);
            int token = greedy.get(i).token();
            byte[] bytes = model.tokenizer().decodeBytes(token);
            assertThat(entry.token()).isEqualTo(new String(bytes, StandardCharsets.UTF_8));
            assertThat(entry.bytes().orElseThrow()).containsExactlyElementsOf(unsigned(bytes));
            assertThat(entry.logprob()).isCloseTo(-scorer.negativeLogLikelihood(token), within(1e-5));
            List<ChatCompletionTokenLogprob.TopLogprob> top = entry.topLogprobs();
            assertThat(top).hasSize(3);
            assertThat(top.getFirst().token()).isEqualTo(entry.token()); // greedy: the likeliest
            assertThat(top.getFirst().logprob()).isCloseTo(entry.logprob(), within(1e-12));
            double mass = 0;
            for (int j = 0; j < top.size(); j++) {
                if (j > 0) {
                    assertThat(top.get(j).logprob()).isLessThanOrEqualTo(top.get(j - 1).logprob());
                }
                mass += Math.exp(top.get(j).logprob());
            }
            assertThat(mass).isLessThan(1);
            text.append(entry.token());
            scorer.append(token);
        }
        // The answer's text drops the leading space its first token decodes with.
        assertThat(text.toString().strip()).startsWith(completion.choices().getFirst().message().content().orElseThrow().strip());
    }

    private static List<Long> unsigned(byte[] bytes) {
        List<Long> values = new ArrayList<>();
        for (byte b : bytes) {
            values.add((long) (b & 0xff));
        }
        return values;
    }

    @Test
    void nChoicesAreSingleRequestsWithSeedsSeedToSeedPlusNMinusOne() {
        ChatCompletion three = client.chat().completions().create(chat(QUESTION, 16).temperature(1.0).seed(42L).n(3L).build());
        assertThat(three.choices()).hasSize(3);
        assertThat(three.usage().orElseThrow().completionTokens()).isGreaterThan(16);
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ChatCompletion.Choice choice = three.choices().get(i);
            assertThat(choice.index()).isEqualTo(i);
            ChatCompletion single = client.chat().completions().create(chat(QUESTION, 16).temperature(1.0).seed(42L + i).build());
            String text = choice.message().content().orElseThrow();
            assertThat(text).as("choice " + i).isEqualTo(single.choices().getFirst().message().content().orElseThrow());
            texts.add(text);
        }
        assertThat(texts.stream().distinct()).hasSizeGreaterThan(1);

        // Streamed: the chunks carry their choice's index and add up to the same texts.
        Map<Long, StringBuilder> streamed = new TreeMap<>();
        Map<Long, String> finished = new HashMap<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(
                chat(QUESTION, 16).temperature(1.0).seed(42L).n(3L).build())) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> {
                choice.delta().content().ifPresent(t -> streamed.computeIfAbsent(choice.index(), k -> new StringBuilder()).append(t));
                choice.finishReason().ifPresent(reason -> finished.put(choice.index(), reason.asString()));
            }));
        }
        assertThat(streamed.keySet()).containsExactly(0L, 1L, 2L);
        assertThat(finished).containsOnlyKeys(0L, 1L, 2L);
        for (int i = 0; i < 3; i++) {
            assertThat(streamed.get((long) i).toString()).isEqualTo(texts.get(i));
        }
    }

    @Test
    void streamedChatLogprobsCoverTheText() throws Exception {
        TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", """
                {"model":"%s","messages":[{"role":"user","content":"%s"}],"max_tokens":12,"temperature":0,
                 "logprobs":true,"top_logprobs":2,"stream":true}""".formatted(modelId, QUESTION));
        assertThat(reply.status()).isEqualTo(200);
        StringBuilder content = new StringBuilder();
        StringBuilder tokens = new StringBuilder();
        for (String line : reply.body().split("\n")) {
            if (!line.startsWith("data: {")) {
                continue;
            }
            JsonNode choice = TestServers.JSON.readTree(line.substring(6)).get("choices").get(0);
            content.append(choice.path("delta").path("content").asText(""));
            for (JsonNode entry : choice.path("logprobs").path("content")) {
                tokens.append(entry.get("token").asText());
                assertThat(entry.get("top_logprobs")).hasSize(2);
            }
        }
        assertThat(content.toString()).isNotEmpty();
        assertThat(tokens.toString()).startsWith(content.toString());
    }

    @Test
    void logitBiasOfHundredForcesATokenAndMinusHundredBansIt() {
        String forced = post("""
                {"model":"%s","prompt":"Once upon a time","max_tokens":8,"temperature":0.0,"logit_bias":{"300":100}}""")
                .get("choices").get(0).get("text").asText();
        String piece = new String(model.tokenizer().decodeBytes(300), StandardCharsets.UTF_8);
        assertThat(forced).isEqualTo(piece.repeat(8));

        JsonNode plain = post("""
                {"model":"%s","prompt":"Once upon a time","max_tokens":8,"temperature":0.0,"logprobs":0}""");
        JsonNode plainTokens = plain.get("choices").get(0).get("logprobs").get("tokens");
        String first = plainTokens.get(0).asText();
        int firstId = greedyFirstToken("Once upon a time");
        JsonNode banned = post("""
                {"model":"%s","prompt":"Once upon a time","max_tokens":8,"temperature":0.0,"logprobs":0,
                 "logit_bias":{"%d":-100}}""".formatted("%s", firstId));
        for (JsonNode token : banned.get("choices").get(0).get("logprobs").get("tokens")) {
            assertThat(token.asText()).isNotEqualTo(first);
        }
    }

    private static int greedyFirstToken(String prompt) {
        List<TokenLogprob> tokens = new ArrayList<>();
        model.newSession(CachePolicy.sink(4, 507)).generate(model.tokenizer().encode(prompt), Sampling.greedy().maxTokens(1)
                .logprobs(0), t -> { }, tokens::add, () -> false);
        return tokens.getFirst().token();
    }

    @Test
    void echoWithLogprobsScoresThePrompt() {
        String prompt = "The cat sat on the mat";
        JsonNode choice = post("""
                {"model":"%s","prompt":"%s","max_tokens":5,"temperature":0.0,"echo":true,"logprobs":2}"""
                .formatted("%s", prompt)).get("choices").get(0);
        assertThat(choice.get("text").asText()).startsWith(prompt).hasSizeGreaterThan(prompt.length());
        JsonNode logprobs = choice.get("logprobs");
        int[] promptTokens = model.tokenizer().encode(prompt);
        int count = logprobs.get("tokens").size();
        assertThat(logprobs.get("token_logprobs")).hasSize(count);
        assertThat(logprobs.get("top_logprobs")).hasSize(count);
        assertThat(logprobs.get("text_offset")).hasSize(count);
        assertThat(count).isGreaterThan(promptTokens.length);
        assertThat(logprobs.get("token_logprobs").get(0).isNull()).isTrue();
        List<Double> nlls = new ArrayList<>();
        model.newSession(CachePolicy.sink(4, 507)).score(promptTokens, nlls::add);
        for (int i = 1; i < promptTokens.length; i++) {
            assertThat(logprobs.get("token_logprobs").get(i).asDouble()).isCloseTo(-nlls.get(i - 1), within(1e-5));
            assertThat(logprobs.get("top_logprobs").get(i).size()).isBetween(1, 2);
        }
        assertThat(logprobs.get("text_offset").get(promptTokens.length).asInt()).isEqualTo(prompt.length());

        JsonNode plainEcho = post("""
                {"model":"%s","prompt":"%s","max_tokens":5,"temperature":0.0,"echo":true}""".formatted("%s", prompt));
        assertThat(plainEcho.get("choices").get(0).get("text").asText()).isEqualTo(choice.get("text").asText());
        assertThat(plainEcho.get("choices").get(0).get("logprobs").isNull()).isTrue();
    }

    private static JsonNode post(String body) {
        TestServers.Reply reply = TestServers.post(server, "/v1/completions", body.formatted(modelId));
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        return reply.json();
    }

    private static double norm(List<Float> vector) {
        double sum = 0;
        for (float x : vector) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    @Test
    void embeddingsThroughTheSdkAreTheModelsUnitVectorsAndBatchesEqualSingleCalls() {
        List<String> texts = List.of("a dog ran in the park", "the sun is hot", "Lily and Tom played all day");
        CreateEmbeddingResponse batch = client.embeddings().create(EmbeddingCreateParams.builder().model(modelId)
                .inputOfArrayOfStrings(texts).build());
        assertThat(batch.data()).hasSize(3);
        long tokens = 0;
        for (int i = 0; i < texts.size(); i++) {
            List<Float> vector = batch.data().get(i).embedding();
            assertThat(batch.data().get(i).index()).isEqualTo(i);
            assertThat(vector).hasSize(model.info().embeddingLength());
            assertThat(norm(vector)).isCloseTo(1, within(1e-5));
            List<Float> single = client.embeddings().create(EmbeddingCreateParams.builder().model(modelId)
                    .input(texts.get(i)).build()).data().getFirst().embedding();
            assertThat(vector).isEqualTo(single);
            float[] direct = model.embed(texts.get(i));
            for (int j = 0; j < direct.length; j++) {
                assertThat(vector.get(j)).isEqualTo(direct[j]);
            }
            tokens += model.tokenizer().encode(texts.get(i)).length;
        }
        assertThat(batch.usage().promptTokens()).isEqualTo(tokens);
        assertThat(batch.usage().totalTokens()).isEqualTo(tokens);
    }

    @Test
    void embeddingsOfTokenIdsAsFloatsAndBase64() throws Exception {
        int[] ids = model.tokenizer().encode("the sun is hot");
        StringBuilder idList = new StringBuilder();
        for (int id : ids) {
            idList.append(idList.isEmpty() ? "" : ",").append(id);
        }
        TestServers.Reply floats = TestServers.post(server, "/v1/embeddings", """
                {"model":"%s","input":[[%s],[%s]],"encoding_format":"float","dimensions":%d}"""
                .formatted(modelId, idList, idList, model.info().embeddingLength()));
        assertThat(floats.status()).as(floats.body()).isEqualTo(200);
        TestServers.Reply base64 = TestServers.post(server, "/v1/embeddings", """
                {"model":"%s","input":[%s],"encoding_format":"base64"}""".formatted(modelId, idList));
        assertThat(base64.status()).as(base64.body()).isEqualTo(200);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(base64.json().get("data").get(0).get("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        float[] expected = model.embed(ids);
        JsonNode asFloats = floats.json().get("data");
        assertThat(asFloats).hasSize(2);
        for (float x : expected) {
            assertThat(bytes.getFloat()).isEqualTo(x);
        }
        for (int j = 0; j < expected.length; j++) {
            assertThat((float) asFloats.get(1).get("embedding").get(j).asDouble()).isEqualTo(expected[j]);
        }
        assertThat(bytes.hasRemaining()).isFalse();
    }

    @Test
    void badEmbeddingRequestsAreRefusedNamingTheField() {
        record Case(String body, String param, String part) {
        }
        int width = model.info().embeddingLength();
        for (Case c : List.of(
                new Case("{\"model\":\"%s\",\"input\":\"x\",\"dimensions\":" + (width - 1) + "}", "dimensions", "cannot be shortened"),
                new Case("{\"model\":\"%s\",\"input\":\"x\",\"encoding_format\":\"int8\"}", "encoding_format", "base64"),
                new Case("{\"model\":\"%s\",\"input\":[]}", "input", "not empty"),
                new Case("{\"model\":\"%s\",\"input\":[5, 512]}", "input", "token id"),
                new Case("{\"model\":\"%s\",\"input\":[\"a\", 3]}", "input[1]", "string or an array"),
                new Case("{\"model\":\"%s\"}", "input", "provide an input"),
                new Case("{\"input\":\"x\"}", "model", "provide a model"))) {
            TestServers.Reply reply = TestServers.post(server, "/v1/embeddings", c.body().formatted(modelId));
            assertThat(reply.status()).as(c.body()).isEqualTo(400);
            JsonNode error = reply.json().get("error");
            assertThat(error.get("param").asText()).isEqualTo(c.param());
            assertThat(error.get("message").asText()).contains(c.part());
        }
    }
}
