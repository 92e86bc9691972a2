package io.streamllm.server;

import io.streamllm.api.Generation;
import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.PlainChatTemplate;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The official OpenAI Java SDK, pointed at the server, gets exactly what the engine generates for
 * the same tokens: chat and plain completions, whole and streamed.
 */
class OpenAiClientTest {
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

    /** What the engine itself generates from {@code prompt}, greedy, with the given stops. */
    private static Generation reference(int[] prompt, List<String> stops) {
        return model.newSession(CachePolicy.sink(4, 507))
                .generate(prompt, Sampling.greedy().maxTokens(MAX_TOKENS).stopStrings(stops), text -> { }, () -> false);
    }

    private static Generation chatReference(String question) {
        PlainChatTemplate template = new PlainChatTemplate();
        ChatEncoder encoder = new ChatEncoder(model.tokenizer(), false);
        int[] prompt = encoder.encode(encoder.render(template, List.of(new ChatMessage("user", question)), true));
        List<String> stops = new ArrayList<>(template.stopStrings());
        stops.add(model.tokenizer().piece(model.tokenizer().specials().eos()));
        return reference(prompt, stops);
    }

    private static Generation completionReference(String prompt) {
        return reference(model.tokenizer().encode(prompt, true, false),
                List.of(model.tokenizer().piece(model.tokenizer().specials().eos())));
    }

    private static ChatCompletionCreateParams chat(String question) {
        return ChatCompletionCreateParams.builder().model(modelId).addUserMessage(question)
                .maxCompletionTokens(MAX_TOKENS).temperature(0.0).build();
    }

    @Test
    void chatCompletion() {
        Generation expected = chatReference("Where is the cat?");
        ChatCompletion completion = client.chat().completions().create(chat("Where is the cat?"));

        assertThat(completion.model()).isEqualTo(modelId);
        assertThat(completion.choices()).hasSize(1);
        ChatCompletion.Choice choice = completion.choices().get(0);
        assertThat(choice.message().content()).contains(expected.text());
        assertThat(choice.finishReason()).isEqualTo(expected.generatedTokens() == MAX_TOKENS
                ? ChatCompletion.Choice.FinishReason.LENGTH : ChatCompletion.Choice.FinishReason.STOP);
        CompletionUsage usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(expected.promptTokens());
        assertThat(usage.completionTokens()).isEqualTo(expected.generatedTokens());
        assertThat(usage.totalTokens()).isEqualTo(expected.promptTokens() + expected.generatedTokens());
    }

    @Test
    void streamedChatCompletion() {
        Generation expected = chatReference("Tell me about the dog.");
        ChatCompletionCreateParams params = chat("Tell me about the dog.").toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build();
        StringBuilder text = new StringBuilder();
        List<String> finishReasons = new ArrayList<>();
        List<CompletionUsage> usages = new ArrayList<>();
        int chunks = 0;
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            for (ChatCompletionChunk chunk : (Iterable<ChatCompletionChunk>) stream.stream()::iterator) {
                chunks++;
                for (ChatCompletionChunk.Choice choice : chunk.choices()) {
                    choice.delta().content().ifPresent(text::append);
                    choice.finishReason().ifPresent(reason -> finishReasons.add(reason.asString()));
                }
                chunk.usage().ifPresent(usages::add);
            }
        }
        assertThat(text.toString()).isEqualTo(expected.text());
        assertThat(chunks).isGreaterThan(2); // streamed piece by piece, not at once
        assertThat(finishReasons).containsExactly(expected.generatedTokens() == MAX_TOKENS ? "length" : "stop");
        assertThat(usages).hasSize(1);
        assertThat(usages.get(0).promptTokens()).isEqualTo(expected.promptTokens());
        assertThat(usages.get(0).completionTokens()).isEqualTo(expected.generatedTokens());
    }

    @Test
    void anAnswerAllowedMoreThanHalfTheWindowComesBackWhole() {
        // Such a budget is counted out by the server, not by the generator (which then keeps no text of its own).
        ChatCompletionCreateParams params = chat("Tell me a long story.").toBuilder().maxCompletionTokens(300).build();
        ChatCompletion whole = client.chat().completions().create(params);
        StringBuilder streamed = new StringBuilder();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> choice.delta().content().ifPresent(streamed::append)));
        }
        assertThat(whole.usage().orElseThrow().completionTokens()).isPositive();
        assertThat(whole.choices().get(0).message().content()).contains(streamed.toString());
        assertThat(streamed.toString()).isNotEmpty();
    }

    @Test
    void completion() {
        Generation expected = completionReference("Once upon a time");
        Completion completion = client.completions().create(CompletionCreateParams.builder().model(modelId)
                .prompt("Once upon a time").maxTokens(MAX_TOKENS).temperature(0.0).build());
        assertThat(completion.choices()).hasSize(1);
        assertThat(completion.choices().get(0).text()).isEqualTo(expected.text());
        assertThat(completion.usage().map(CompletionUsage::promptTokens)).isEqualTo(Optional.of((long) expected.promptTokens()));
        assertThat(completion.usage().map(CompletionUsage::completionTokens)).isEqualTo(Optional.of((long) expected.generatedTokens()));
    }

    @Test
    void streamedCompletion() {
        Generation expected = completionReference("The little bird");
        CompletionCreateParams params = CompletionCreateParams.builder().model(modelId).prompt("The little bird")
                .maxTokens(MAX_TOKENS).temperature(0.0).build();
        StringBuilder text = new StringBuilder();
        try (StreamResponse<Completion> stream = client.completions().createStreaming(params)) {
            stream.stream().forEach(chunk -> chunk.choices().forEach(choice -> text.append(choice.text())));
        }
        assertThat(text.toString()).isEqualTo(expected.text());
    }

    @Test
    void stopStringsEndTheAnswerBeforeThem() {
        String full = completionReference("Once upon a time").text();
        String stop = full.substring(full.length() / 2, full.length() / 2 + 3);
        String expected = full.substring(0, full.indexOf(stop));
        Completion completion = client.completions().create(CompletionCreateParams.builder().model(modelId)
                .prompt("Once upon a time").maxTokens(MAX_TOKENS).temperature(0.0).stop(stop).build());
        assertThat(completion.choices().get(0).text()).isEqualTo(expected);
        assertThat(completion.choices().get(0).finishReason().asString()).isEqualTo("stop");
    }

    @Test
    void aSeedMakesSamplingRepeatable() {
        ChatCompletionCreateParams params = chat("Sing a song.").toBuilder().temperature(1.0).seed(42L)
                .maxCompletionTokens(24).build();
        String first = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
        String second = client.chat().completions().create(params).choices().get(0).message().content().orElseThrow();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void modelsListsTheServedModel() {
        assertThat(client.models().list().data()).extracting(m -> m.id()).containsExactly(modelId);
        assertThat(client.models().retrieve(modelId).id()).isEqualTo(modelId);
    }
}
