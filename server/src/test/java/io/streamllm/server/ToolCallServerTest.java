package io.streamllm.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionNamedToolChoice;
import io.streamllm.api.OutputConstraint;
import io.streamllm.api.Sampling;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.PlainChatTemplate;
import io.streamllm.chat.ToolCall;
import io.streamllm.chat.ToolCallFormat;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Tool calls through the server on stories260K (the plain transcript: tools in the Hermes format):
 * calls and results in the conversation reach the prompt, requests with tools are answered, a forced
 * call is well-formed (with the constrained decoder), streamed call chunks reassemble in the OpenAI SDK.
 */
class ToolCallServerTest {
    private static final String TOOL = "{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\": \"Weather\","
            + " \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"],"
            + " \"additionalProperties\": false}}}";
    private static StreamllmServer server;
    private static OpenAIClient client;
    private static String modelId;

    @BeforeAll
    static void start() {
        server = TestServers.start();
        client = OpenAIOkHttpClient.builder().baseUrl(server.baseUrl() + "/v1").apiKey("unused").maxRetries(0).build();
        modelId = TestServers.get(server, "/v1/models").json().get("data").get(0).get("id").asText();
    }

    @AfterAll
    static void stop() {
        client.close();
        server.close();
    }

    /** Whether the engine constrains output (OutputConstraint's real implementation; the stub changes nothing). */
    private static boolean constrainedDecoding() {
        Sampling sampling = Sampling.greedy();
        return !sampling.constraint(OutputConstraint.anyJsonObject()).equals(sampling);
    }

    @Test
    void assistantCallsAndToolResultsAreRenderedIntoThePrompt() {
        String body = "{\"model\": \"" + modelId + "\", \"max_tokens\": 1, \"temperature\": 0, \"tools\": [" + TOOL + "],"
                + " \"tool_choice\": \"none\", \"messages\": ["
                + "{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"call_7\", \"type\": \"function\","
                + " \"function\": {\"name\": \"get_weather\", \"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]},"
                + "{\"role\": \"tool\", \"tool_call_id\": \"call_7\", \"content\": \"sunny\"}]}";
        TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", body, "X-Session-Id", "tools-render");
        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        String history = TestServers.get(server, "/v1/sessions/tools-render?include=tokens").json().get("text").asText();

        List<Map<String, Object>> tools = List.of(toolMap());
        String expected = new PlainChatTemplate().render(List.of(new ChatMessage("user", "Weather in Paris?"),
                ChatMessage.assistantCalls(null, List.of(new ToolCall("call_7", "get_weather", "{\"city\":\"Paris\"}"))),
                ChatMessage.toolResult("call_7", "sunny")), tools, true);
        assertThat(history).contains(expected.strip());
        // Independently of the template code: what the prompt must say.
        assertThat(history).contains("<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\"")
                .contains("Assistant: <tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\":\"Paris\"}}\n</tool_call>")
                .contains("User: <tool_response>\nsunny\n</tool_response>");
    }

    @Test
    void autoAnswersTextWhenTheModelWritesNoCall() {
        ChatCompletion completion = client.chat().completions().create(ChatCompletionCreateParams.builder().model(modelId)
                .addUserMessage("Once upon a time").addFunctionTool(weather()).maxCompletionTokens(8).temperature(0.0).build());
        var choice = completion.choices().getFirst();
        // stories260K never learnt the call format: it tells a story, which stays text.
        assertThat(choice.message().toolCalls().orElse(List.of())).isEmpty();
        assertThat(choice.message().content()).isPresent();
        assertThat(choice.finishReason()).isIn(ChatCompletion.Choice.FinishReason.STOP, ChatCompletion.Choice.FinishReason.LENGTH);
    }

    /** Needs the constrained decoder (branch issue-structured): with the TEMP stub it is skipped. */
    @Test
    void namedChoiceGivesAWellFormedCallWholeAndStreamed() throws Exception {
        assumeTrue(constrainedDecoding(), "needs OutputConstraint's real implementation (constrained decoding)");
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(modelId)
                .addUserMessage("Weather in Paris?").addFunctionTool(weather())
                .toolChoice(ChatCompletionNamedToolChoice.builder()
                        .function(ChatCompletionNamedToolChoice.Function.builder().name("get_weather").build()).build())
                .maxCompletionTokens(100).temperature(0.0).build();
        ChatCompletion completion = client.chat().completions().create(params);
        ChatCompletionMessageFunctionToolCall call = onlyCall(completion);
        assertThat(call.function().name()).isEqualTo("get_weather");
        JsonNode arguments = readTree(call.function().arguments());
        assertThat(arguments.isObject()).isTrue();
        assertThat(arguments.path("city").isTextual()).as(arguments.toString()).isTrue();
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulator::accumulate);
        }
        ChatCompletionMessageFunctionToolCall streamed = onlyCall(accumulator.chatCompletion());
        assertThat(streamed.function().name()).isEqualTo(call.function().name());
        assertThat(streamed.function().arguments()).isEqualTo(call.function().arguments());
    }

    /** The chunks a stream sends, parsed and reassembled by the OpenAI SDK's accumulator, give the whole answer's call. */
    @Test
    void streamedCallChunksReassembleIntoTheCall() throws Exception {
        ToolRequest tools = ToolRequest.parse(readTree("{\"tools\": [" + TOOL + "]}"));
        ToolTurn turn = new ToolTurn(tools, ToolCallFormat.HERMES);
        String answer = "Let me check.\n<tool_call>\n{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris, France\"}}\n</tool_call>";
        OpenAiJson.Answer identity = new OpenAiJson.Answer(CompletionRequest.Kind.CHAT, "chatcmpl-x", 1, "m");
        List<String> chunks = new ArrayList<>();
        chunks.add(CompletionEndpoint.json(OpenAiJson.textChunk(identity, "", true)));
        ToolTurn.Stream stream = turn.stream(identity, chunk -> chunks.add(CompletionEndpoint.json(chunk)));
        for (int i = 0; i < answer.length(); i += 3) {
            stream.accept(answer.substring(i, Math.min(answer.length(), i + 3)));
        }
        boolean called = stream.finish();
        var outcome = new ModelService.Outcome(answer, "stop", 10, 0, 20, "s", SessionStats.empty(100), null);
        chunks.add(CompletionEndpoint.json(ToolTurn.finished(OpenAiJson.finishChunk(identity, outcome), called)));

        ChatCompletionAccumulator accumulator = ChatCompletionAccumulator.create();
        for (String chunk : chunks) {
            accumulator.accumulate(ObjectMappers.jsonMapper().readValue(chunk, ChatCompletionChunk.class));
        }
        ChatCompletion streamed = accumulator.chatCompletion();
        ChatCompletion whole = ObjectMappers.jsonMapper().readValue(
                CompletionEndpoint.json(turn.rewrite(OpenAiJson.completion(identity, outcome), answer)), ChatCompletion.class);
        assertThat(onlyCall(streamed).function()).isEqualTo(onlyCall(whole).function());
        assertThat(onlyCall(whole).function().name()).isEqualTo("get_weather");
        assertThat(readTree(onlyCall(whole).function().arguments())).isEqualTo(readTree("{\"city\": \"Paris, France\"}"));
        assertThat(streamed.choices().getFirst().message().content()).contains("Let me check.\n");
        assertThat(whole.choices().getFirst().message().content()).contains("Let me check.");
        assertThat(streamed.choices().getFirst().finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        // Text that only looked like a call's opening is released at the end.
        List<String> texts = new ArrayList<>();
        ToolTurn.Stream plain = turn.stream(identity, chunk -> texts.add(chunk.get("choices").get(0).get("delta").path("content").asText()));
        plain.accept("a <tool");
        plain.accept("box> b");
        assertThat(plain.finish()).isFalse();
        assertThat(String.join("", texts)).isEqualTo("a <toolbox> b");
    }

    @Test
    void badToolRequestsAreRefusedNamingTheField() {
        assertRefused("\"tool_choice\": \"required\"", "tool_choice");
        assertRefused("\"tools\": [" + TOOL + "], \"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"nope\"}}", "tool_choice");
        assertRefused("\"tools\": {}", "tools");
        assertRefused("\"tools\": [{\"type\": \"code_interpreter\"}]", "tools[0]");
        assertRefused("\"tools\": [" + TOOL + "], \"tool_choice\": \"sometimes\"", "tool_choice");
        String toolWithoutId = "{\"model\": \"" + modelId + "\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"},"
                + " {\"role\": \"tool\", \"content\": \"y\"}]}";
        TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", toolWithoutId);
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error().get("param").asText()).isEqualTo("messages[1].tool_call_id");
    }

    private static void assertRefused(String fields, String param) {
        String body = "{\"model\": \"" + modelId + "\", \"messages\": [{\"role\": \"user\", \"content\": \"x\"}], " + fields + "}";
        TestServers.Reply reply = TestServers.post(server, "/v1/chat/completions", body);
        assertThat(reply.status()).as(body).isEqualTo(400);
        assertThat(reply.error().get("param").asText()).as(body).isEqualTo(param);
    }

    private static ChatCompletionMessageFunctionToolCall onlyCall(ChatCompletion completion) {
        var calls = completion.choices().getFirst().message().toolCalls().orElse(List.of());
        assertThat(calls).as(completion.toString()).hasSize(1);
        return calls.getFirst().asFunction();
    }

    private static FunctionDefinition weather() {
        return FunctionDefinition.builder().name("get_weather").description("Weather")
                .parameters(FunctionParameters.builder()
                        .putAdditionalProperty("type", JsonValue.from("object"))
                        .putAdditionalProperty("properties", JsonValue.from(Map.of("city", Map.of("type", "string"))))
                        .putAdditionalProperty("required", JsonValue.from(List.of("city")))
                        .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                        .build())
                .build();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> toolMap() {
        return TestServers.JSON.convertValue(readTree(TOOL), Map.class);
    }

    private static JsonNode readTree(String json) {
        try {
            return TestServers.JSON.readTree(json);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
