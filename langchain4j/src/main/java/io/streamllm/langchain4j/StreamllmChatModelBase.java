package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;

import java.util.List;

/**
 * What {@link StreamllmChatModel} and {@link StreamllmStreamingChatModel} share: the engine that answers, the
 * listeners, the sessions kept per memory id.
 */
public abstract sealed class StreamllmChatModelBase permits StreamllmChatModel, StreamllmStreamingChatModel {
    final ChatEngine engine;
    private final List<ChatModelListener> listeners;

    StreamllmChatModelBase(StreamllmModelBuilder<?> builder) {
        this.engine = builder.engine();
        this.listeners = builder.listeners();
    }

    /**
     * The listeners told of every request, response and error.
     *
     * @return the listeners
     */
    public List<ChatModelListener> listeners() {
        return listeners;
    }

    /**
     * Drops the session of {@code memoryId}, freeing its cache; the next request on it starts a new one.
     *
     * @param memoryId a LangChain4j chat memory id
     * @return whether there was a session
     */
    public boolean forget(Object memoryId) {
        return engine.forget(memoryId);
    }

    /**
     * How many memory ids hold a session now.
     *
     * @return the number of sessions
     */
    public int sessionCount() {
        return engine.sessionCount();
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "[" + engine.model() + "]";
    }
}
