package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.DefaultChatRequestParameters;

import java.util.Objects;

import static dev.langchain4j.internal.Utils.getOrDefault;

/**
 * LangChain4j's request parameters plus what only streamllm reads: the memory id whose session answers, and
 * the sampler's seed.
 *
 * <p>A LangChain4j chat model sees only the messages of a request, never the memory they came from. An
 * {@code AiServices} assistant hands its memory id ({@code @MemoryId}) to its {@code chatRequestTransformer}
 * right before calling the model, which is the supported place to attach it:
 *
 * <pre>{@code
 * Assistant assistant = AiServices.builder(Assistant.class)
 *         .streamingChatModel(model)
 *         .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(20))
 *         .chatRequestTransformer(StreamllmChatRequestParameters::withMemoryId)
 *         .build();
 * }</pre>
 *
 * <p>Code that calls the model itself sets it with {@code StreamllmChatRequestParameters.builder().memoryId(id)}.
 *
 * <p>Why here: in LangChain4j 1.19 the transformer is the one hook that sees both the request and the memory id.
 * The listeners' attributes ({@code ChatRequestOptions}) are not filled by AiServices, and recognizing a
 * conversation by the prefix of its messages fails exactly where it matters: a bounded memory drops its oldest
 * messages, so the start of the conversation changes every turn. The parameters survive the chat model's merge
 * with its default parameters, which keeps a subtype's own fields.
 */
public class StreamllmChatRequestParameters extends DefaultChatRequestParameters {
    private final Object memoryId;
    private final Long seed;

    private StreamllmChatRequestParameters(Builder builder) {
        super(builder);
        this.memoryId = builder.memoryId;
        this.seed = builder.seed;
    }

    /**
     * {@code request} with {@code memoryId} added to its parameters: an {@code AiServices}
     * {@code chatRequestTransformer}. A null id leaves the request as it is.
     *
     * @param request  the request AiServices built
     * @param memoryId the value of the method's {@code @MemoryId} parameter (or "default")
     * @return the request, its parameters carrying the memory id
     */
    public static ChatRequest withMemoryId(ChatRequest request, Object memoryId) {
        if (memoryId == null) {
            return request;
        }
        return request.toBuilder()
                .parameters(builder().overrideWith(request.parameters()).memoryId(memoryId).build())
                .build();
    }

    /**
     * The LangChain4j chat memory id whose streamllm session answers, or null.
     *
     * @return the memory id, or null
     */
    public Object memoryId() {
        return memoryId;
    }

    /**
     * The sampler's random seed, or null for the model's default sampling's.
     *
     * @return the seed, or null
     */
    public Long seed() {
        return seed;
    }

    @Override
    public StreamllmChatRequestParameters overrideWith(ChatRequestParameters that) {
        return builder().overrideWith(this).overrideWith(that).build();
    }

    @Override
    public StreamllmChatRequestParameters defaultedBy(ChatRequestParameters that) {
        return builder().overrideWith(that).overrideWith(this).build();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StreamllmChatRequestParameters that && super.equals(that)
                && Objects.equals(memoryId, that.memoryId) && Objects.equals(seed, that.seed);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), memoryId, seed);
    }

    @Override
    public String toString() {
        return "StreamllmChatRequestParameters{" + super.toString() + ", memoryId=" + memoryId + ", seed=" + seed + "}";
    }

    /**
     * A builder of parameters, empty.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link StreamllmChatRequestParameters}. */
    public static class Builder extends DefaultChatRequestParameters.Builder<Builder> {
        private Object memoryId;
        private Long seed;

        /** An empty builder; see {@link StreamllmChatRequestParameters#builder()}. */
        public Builder() {
        }

        @Override
        public Builder overrideWith(ChatRequestParameters parameters) {
            super.overrideWith(parameters);
            if (parameters instanceof StreamllmChatRequestParameters streamllm) {
                memoryId(getOrDefault(streamllm.memoryId(), memoryId));
                seed(getOrDefault(streamllm.seed(), seed));
            }
            return this;
        }

        /**
         * The LangChain4j chat memory id whose session answers.
         *
         * @param memoryId the id (compared with {@code equals})
         * @return this builder
         */
        public Builder memoryId(Object memoryId) {
            this.memoryId = memoryId;
            return this;
        }

        /**
         * The sampler's random seed.
         *
         * @param seed the seed
         * @return this builder
         */
        public Builder seed(Long seed) {
            this.seed = seed;
            return this;
        }

        @Override
        public StreamllmChatRequestParameters build() {
            return new StreamllmChatRequestParameters(this);
        }
    }
}
