package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import io.streamllm.api.StreamingModel;


/**
 * A LangChain4j {@link StreamingChatModel} that runs a streamllm model in this JVM: the messages are rendered
 * with the model's chat template, and the answer streams to the handler piece by piece
 * ({@code onPartialResponse}), then {@code onCompleteResponse} with the token usage and the finish reason, or
 * {@code onError}. The handler's {@link StreamingHandle} cancels the answer.
 *
 * <p>The answer is generated on the calling thread: {@code chat} returns once the handler was completed. Run
 * it on an executor to get it in the background.
 *
 * <p>Memory ids, refusals and thread-safety: as {@link StreamllmChatModel}.
 */
public final class StreamllmStreamingChatModel extends StreamllmChatModelBase implements StreamingChatModel {

    private StreamllmStreamingChatModel(Builder builder) {
        super(builder);
    }

    /**
     * A builder of a streaming chat model over {@code model}, which the caller keeps and closes.
     *
     * @param model the streamllm model
     * @return a new builder
     */
    public static Builder builder(StreamingModel model) {
        return new Builder(model);
    }

    @Override
    public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
        Cancellation cancellation = new Cancellation();
        PartialResponseContext context = new PartialResponseContext(cancellation);
        ChatResponse response;
        try {
            response = engine.chat(request, piece -> {
                if (!piece.isEmpty()) {
                    handler.onPartialResponse(new PartialResponse(piece), context);
                }
            }, cancellation::isCancelled);
        } catch (RuntimeException e) {
            handler.onError(e);
            return;
        }
        handler.onCompleteResponse(response);
    }

    /** Cancels an answer from the handler, or when the generating thread is interrupted. */
    private static final class Cancellation implements StreamingHandle {
        private final Thread generating = Thread.currentThread();
        private volatile boolean cancelled;

        @Override
        public void cancel() {
            cancelled = true;
        }

        @Override
        public boolean isCancelled() {
            return cancelled || generating.isInterrupted();
        }
    }

    /** Builds a {@link StreamllmStreamingChatModel}. */
    public static final class Builder extends StreamllmModelBuilder<Builder> {
        private Builder(StreamingModel model) {
            super(model);
        }

        /**
         * The streaming chat model.
         *
         * @return a new streaming chat model
         * @throws io.streamllm.api.StreamllmException when the chat template cannot be parsed
         */
        public StreamllmStreamingChatModel build() {
            return new StreamllmStreamingChatModel(this);
        }
    }
}
