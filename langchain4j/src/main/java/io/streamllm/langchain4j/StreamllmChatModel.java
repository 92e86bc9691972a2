package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import io.streamllm.api.StreamingModel;


/**
 * A LangChain4j {@link ChatModel} that runs a streamllm model in this JVM: the messages are rendered with the
 * model's chat template and answered by a streamllm session.
 *
 * <pre>{@code
 * ChatModel chat = StreamllmChatModel.builder(model).sessionPerMemoryId(true).build();
 * }</pre>
 *
 * <p>With {@link StreamllmModelBuilder#sessionPerMemoryId(boolean)} each LangChain4j chat memory keeps a session
 * of its own, so an {@code AiServices} assistant chats indefinitely, in constant memory under a sink cache,
 * and each turn prefills only its new tokens: see {@link StreamllmChatRequestParameters} for how the memory id
 * reaches the model. Tools and JSON response formats are refused with an
 * {@link dev.langchain4j.exception.UnsupportedFeatureException}.
 *
 * <p>Thread-safety: requests may come from any number of threads; those on different memory ids run at once,
 * those on one memory id one after the other. Interrupting the calling thread stops the answer.
 */
public final class StreamllmChatModel extends StreamllmChatModelBase implements ChatModel {

    private StreamllmChatModel(Builder builder) {
        super(builder);
    }

    /**
     * A builder of a chat model over {@code model}, which the caller keeps and closes.
     *
     * @param model the streamllm model
     * @return a new builder
     */
    public static Builder builder(StreamingModel model) {
        return new Builder(model);
    }

    @Override
    public ChatResponse doChat(ChatRequest request) {
        Thread caller = Thread.currentThread();
        return engine.chat(request, piece -> { }, caller::isInterrupted);
    }

    /** Builds a {@link StreamllmChatModel}. */
    public static final class Builder extends StreamllmModelBuilder<Builder> {
        private Builder(StreamingModel model) {
            super(model);
        }

        /**
         * The chat model.
         *
         * @return a new chat model
         * @throws io.streamllm.api.StreamllmException when the chat template cannot be parsed
         */
        public StreamllmChatModel build() {
            return new StreamllmChatModel(this);
        }
    }
}
