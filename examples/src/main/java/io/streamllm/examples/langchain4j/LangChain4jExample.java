package io.streamllm.examples.langchain4j;

import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import io.streamllm.langchain4j.StreamllmChatModel;
import io.streamllm.langchain4j.StreamllmChatRequestParameters;
import io.streamllm.langchain4j.StreamllmStreamingChatModel;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * streamllm in process behind LangChain4j, as a user of the installed {@code streamllm-langchain4j} calls it: an
 * {@code AiServices} assistant keeping one sink-cache session per memory id, and a streaming one. Exits with
 * status 1, saying what went wrong, when a check fails.
 *
 * <p>Usage: {@code LangChain4jExample MODEL}.
 */
public final class LangChain4jExample {
    private static final Sampling SHORT_ANSWERS = Sampling.greedy().maxTokens(40);

    interface Assistant {
        String chat(@MemoryId String user, @UserMessage String message);
    }

    interface StreamingAssistant {
        TokenStream chat(@MemoryId String user, @UserMessage String message);
    }

    private LangChain4jExample() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: LangChain4jExample MODEL (a GGUF file or a Hugging Face model directory)");
            System.exit(2);
        }
        try (StreamingModel model = StreamingModel.load(Path.of(args[0]))) {
            StreamllmChatModel chatModel = StreamllmChatModel.builder(model)
                    .cachePolicy(CachePolicy.sink(4, 252))
                    .sampling(SHORT_ANSWERS)
                    .sessionPerMemoryId(true)
                    .build();
            Assistant assistant = AiServices.builder(Assistant.class)
                    .chatModel(chatModel)
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                    .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
                    .build();
            for (String message : List.of("Tell me a story about a cat.", "What was its name?", "Where did it go?")) {
                String answer = assistant.chat("alice", message);
                System.out.println("alice: " + message + "\nassistant:" + answer);
                check(!answer.isBlank(), "the assistant gave an empty answer to \"" + message + "\"");
            }
            check(chatModel.sessionCount() == 1, "one memory id holds " + chatModel.sessionCount() + " sessions");

            StreamingAssistant streaming = AiServices.builder(StreamingAssistant.class)
                    .streamingChatModel(StreamllmStreamingChatModel.builder(model).sampling(SHORT_ANSWERS)
                            .sessionPerMemoryId(true).build())
                    .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
                    .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
                    .build();
            List<String> pieces = new ArrayList<>();
            CompletableFuture<ChatResponse> done = new CompletableFuture<>();
            System.out.print("bob: Tom had a red ball.\nassistant (streamed):");
            streaming.chat("bob", "Tom had a red ball.")
                    .onPartialResponse(piece -> {
                        pieces.add(piece);
                        System.out.print(piece);
                    })
                    .onCompleteResponse(done::complete)
                    .onError(done::completeExceptionally)
                    .start();
            String streamed = done.get(2, TimeUnit.MINUTES).aiMessage().text(); // a bound on a hang, not a speed check
            System.out.println();
            check(pieces.size() > 1 && String.join("", pieces).equals(streamed),
                    "the streamed pieces " + pieces + " do not make the answer \"" + streamed + "\"");
        }
        System.out.println("LangChain4jExample: OK");
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            System.err.println("LangChain4jExample: FAILED: " + problem);
            System.exit(1);
        }
    }
}
