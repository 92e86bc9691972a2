package io.streamllm.langchain4j;

import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.InvalidRequestException;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.ToolChoice;
import io.streamllm.api.Sampling;
import io.streamllm.chat.ChatMessage;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A LangChain4j request in streamllm's terms: the messages as the chat template takes them, the sampling, the
 * memory id. What streamllm cannot do (tools, structured output, images) is refused here, before any token is
 * fed, rather than quietly ignored.
 */
record TurnRequest(List<ChatMessage> messages, Sampling sampling, Optional<Object> memoryId) {

    /**
     * @param base          the sampling of every request, which the request's parameters override
     * @param templateStops texts that end an answer under the chat template
     * @param modelName     the model's name: a request naming another model is refused
     */
    static TurnRequest of(ChatRequest request, Sampling base, List<String> templateStops, String modelName) {
        ChatRequestParameters parameters = request.parameters();
        refuseUnsupported(parameters, modelName);
        return new TurnRequest(messages(request.messages()), sampling(parameters, base, templateStops),
                parameters instanceof StreamllmChatRequestParameters streamllm
                        ? Optional.ofNullable(streamllm.memoryId()) : Optional.empty());
    }

    private static void refuseUnsupported(ChatRequestParameters parameters, String modelName) {
        if (parameters.toolSpecifications() != null && !parameters.toolSpecifications().isEmpty()) {
            throw new UnsupportedFeatureException("streamllm models do not call tools; the request offers "
                    + parameters.toolSpecifications().size() + " tool(s)");
        }
        if (parameters.toolChoice() == ToolChoice.REQUIRED) {
            throw new UnsupportedFeatureException("streamllm models do not call tools; the request requires a tool call");
        }
        if (parameters.responseFormat() != null && parameters.responseFormat().type() == ResponseFormatType.JSON) {
            throw new UnsupportedFeatureException("streamllm models do not constrain their output to JSON"
                    + " (response format JSON); ask for JSON in the prompt instead");
        }
        if (parameters.modelName() != null && !parameters.modelName().equals(modelName)) {
            throw new InvalidRequestException("the request asks for model '" + parameters.modelName()
                    + "', this chat model runs '" + modelName + "'");
        }
    }

    private static List<ChatMessage> messages(List<dev.langchain4j.data.message.ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw new InvalidRequestException("the request has no messages");
        }
        List<ChatMessage> converted = new ArrayList<>(messages.size());
        for (dev.langchain4j.data.message.ChatMessage message : messages) {
            converted.add(switch (message) {
                case SystemMessage system -> new ChatMessage("system", system.text());
                case UserMessage user when user.hasSingleText() -> new ChatMessage("user", user.singleText());
                case UserMessage user -> throw new UnsupportedFeatureException(
                        "streamllm models read text only; a user message holds " + user.contents().size()
                                + " contents, not one text");
                case AiMessage ai when ai.hasToolExecutionRequests() -> throw new UnsupportedFeatureException(
                        "streamllm models do not call tools; an AI message holds tool execution requests");
                case AiMessage ai -> new ChatMessage("assistant", ai.text() == null ? "" : ai.text());
                default -> throw new UnsupportedFeatureException("streamllm models do not take "
                        + message.type() + " messages (tools and custom messages are not supported)");
            });
        }
        return converted;
    }

    private static Sampling sampling(ChatRequestParameters parameters, Sampling base, List<String> templateStops) {
        try {
            return overridden(parameters, base, templateStops);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(e.getMessage(), e);
        }
    }

    private static Sampling overridden(ChatRequestParameters parameters, Sampling base, List<String> templateStops) {
        Sampling sampling = base;
        if (parameters.temperature() != null) {
            sampling = sampling.temperature(parameters.temperature().floatValue());
        }
        if (parameters.topP() != null) {
            sampling = sampling.topP(parameters.topP().floatValue());
        }
        if (parameters.topK() != null) {
            sampling = sampling.topK(parameters.topK());
        }
        if (parameters.maxOutputTokens() != null) {
            sampling = sampling.maxTokens(parameters.maxOutputTokens());
        }
        if (parameters.frequencyPenalty() != null || parameters.presencePenalty() != null) {
            float frequency = parameters.frequencyPenalty() != null
                    ? parameters.frequencyPenalty().floatValue() : base.frequencyPenalty();
            float presence = parameters.presencePenalty() != null
                    ? parameters.presencePenalty().floatValue() : base.presencePenalty();
            sampling = sampling.penalties(frequency, presence);
        }
        if (parameters instanceof StreamllmChatRequestParameters streamllm && streamllm.seed() != null) {
            sampling = sampling.seed(streamllm.seed());
        }
        Set<String> stops = new LinkedHashSet<>(base.stopStrings());
        stops.addAll(templateStops);
        if (parameters.stopSequences() != null) {
            stops.addAll(parameters.stopSequences());
        }
        return sampling.stopStrings(List.copyOf(stops));
    }
}
