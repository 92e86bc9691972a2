package io.streamllm.langchain4j;

import dev.langchain4j.data.message.ChatMessage;
import dev.langchain4j.model.chat.request.ChatRequest;

import java.util.List;

/** Requests on a memory id, as code that calls the model itself (not through AiServices) sends them. */
final class MemoryRequests {
    private MemoryRequests() {
    }

    static ChatRequest of(Object memoryId, List<ChatMessage> messages) {
        return of(memoryId, messages, List.of());
    }

    static ChatRequest of(Object memoryId, List<ChatMessage> messages, List<String> stopSequences) {
        return ChatRequest.builder()
                .messages(messages)
                .parameters(StreamllmChatRequestParameters.builder().memoryId(memoryId).stopSequences(stopSequences).build())
                .build();
    }
}
