package io.streamllm.langchain4j;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ResponseFormat;
import dev.langchain4j.model.chat.request.json.JsonObjectSchema;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.service.AiServices;
import io.streamllm.api.Sampling;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What streamllm cannot do is refused with a clear error, before any token is fed. */
class UnsupportedRequestTest {
    private static final StreamllmChatModel chatModel =
            StreamllmChatModel.builder(ShippedModel.stories260K()).sampling(Sampling.greedy().maxTokens(8)).build();

    interface Calculator {
        String ask(String question);
    }

    static final class Tools {
        @Tool("adds two numbers")
        int add(@P("a") int a, @P("b") int b) {
            return a + b;
        }
    }

    @Test
    void anAssistantWithToolsIsRefused() {
        Calculator calculator = AiServices.builder(Calculator.class).chatModel(chatModel).tools(new Tools()).build();
        assertThatThrownBy(() -> calculator.ask("What is 2 + 3?"))
                .isInstanceOf(UnsupportedFeatureException.class)
                .hasMessageContaining("do not call tools");
    }

    @Test
    void toolsAJsonSchemaImagesAndToolResultsAreRefused() {
        ToolSpecification tool = ToolSpecification.builder().name("add").description("adds").build();
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .toolSpecifications(tool).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("tool");
        ResponseFormat json = ResponseFormat.builder().type(dev.langchain4j.model.chat.request.ResponseFormatType.JSON)
                .jsonSchema(JsonSchema.builder().name("answer").rootElement(JsonObjectSchema.builder().build()).build())
                .build();
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .responseFormat(json).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("JSON");
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from(
                TextContent.from("what is this?"), ImageContent.from("https://example.com/cat.png"))).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("text only");
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"),
                ToolExecutionResultMessage.from("1", "add", "5")).build()))
                .isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("TOOL_EXECUTION_RESULT");
    }

    @Test
    void badSettingsAndAnotherModelNameAreInvalidRequests() {
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .topP(1.5).build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("top");
        assertThatThrownBy(() -> chatModel.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .modelName("gpt-4o").build()))
                .isInstanceOf(InvalidRequestException.class).hasMessageContaining("gpt-4o");
    }

    @Test
    void aStreamingModelReportsTheRefusalToItsHandler() {
        StreamllmStreamingChatModel streaming = StreamllmStreamingChatModel.builder(ShippedModel.stories260K()).build();
        AtomicReference<Throwable> error = new AtomicReference<>();
        List<String> events = new ArrayList<>();
        streaming.chat(ChatRequest.builder().messages(UserMessage.from("hi"))
                .toolSpecifications(ToolSpecification.builder().name("add").build()).build(), new StreamingChatResponseHandler() {
            @Override
            public void onPartialResponse(String partialResponse) {
                events.add("partial");
            }

            @Override
            public void onCompleteResponse(ChatResponse completeResponse) {
                events.add("complete");
            }

            @Override
            public void onError(Throwable e) {
                error.set(e);
            }
        });
        assertThat(events).isEmpty();
        assertThat(error.get()).isInstanceOf(UnsupportedFeatureException.class).hasMessageContaining("do not call tools");
    }
}
