package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import io.streamllm.api.CacheStats;
import io.streamllm.api.Conversation;

import java.util.Objects;

/**
 * LangChain4j's response metadata plus what the turn cost streamllm: the tokens reused from the cache and
 * those prefilled, and what the cache holds after the answer.
 */
public class StreamllmChatResponseMetadata extends ChatResponseMetadata {
    private final Conversation.Turn turn;
    private final CacheStats cacheStats;

    private StreamllmChatResponseMetadata(Builder builder) {
        super(builder);
        this.turn = builder.turn;
        this.cacheStats = builder.cacheStats;
    }

    /**
     * The turn: the tokens of the conversation reused from the cache, those prefilled, whether it had to start
     * over, the answer's timings.
     *
     * @return the turn
     */
    public Conversation.Turn turn() {
        return turn;
    }

    /**
     * What the session's cache holds after the answer.
     *
     * @return the cache's statistics
     */
    public CacheStats cacheStats() {
        return cacheStats;
    }

    @Override
    public Builder toBuilder() {
        return ((Builder) toBuilder(builder())).turn(turn).cacheStats(cacheStats);
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof StreamllmChatResponseMetadata that && super.equals(that)
                && Objects.equals(turn, that.turn) && Objects.equals(cacheStats, that.cacheStats);
    }

    @Override
    public int hashCode() {
        return Objects.hash(super.hashCode(), turn, cacheStats);
    }

    @Override
    public String toString() {
        return "StreamllmChatResponseMetadata{" + super.toString() + ", turn=" + turn + ", cacheStats=" + cacheStats + "}";
    }

    /**
     * An empty builder.
     *
     * @return a new builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Builds {@link StreamllmChatResponseMetadata}. */
    public static class Builder extends ChatResponseMetadata.Builder<Builder> {
        private Conversation.Turn turn;
        private CacheStats cacheStats;

        /** An empty builder; see {@link StreamllmChatResponseMetadata#builder()}. */
        public Builder() {
        }

        /**
         * The turn the answer came from.
         *
         * @param turn the turn
         * @return this builder
         */
        public Builder turn(Conversation.Turn turn) {
            this.turn = turn;
            return this;
        }

        /**
         * The cache after the answer.
         *
         * @param cacheStats the cache's statistics
         * @return this builder
         */
        public Builder cacheStats(CacheStats cacheStats) {
            this.cacheStats = cacheStats;
            return this;
        }

        @Override
        public StreamllmChatResponseMetadata build() {
            return new StreamllmChatResponseMetadata(this);
        }
    }
}
