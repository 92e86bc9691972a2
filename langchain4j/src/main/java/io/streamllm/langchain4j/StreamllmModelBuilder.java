package io.streamllm.langchain4j;

import dev.langchain4j.model.chat.listener.ChatModelListener;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;

import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The settings {@link StreamllmChatModel} and {@link StreamllmStreamingChatModel} share.
 *
 * @param <B> the builder's own type, for chaining
 */
public abstract class StreamllmModelBuilder<B extends StreamllmModelBuilder<B>> {
    private final StreamingModel model;
    private SessionOptions sessionOptions;
    private Supplier<Sampling> sampling = Sampling::defaults;
    private boolean sessionPerMemoryId;
    private String chatTemplate;
    private List<ChatModelListener> listeners = List.of();

    StreamllmModelBuilder(StreamingModel model) {
        this.model = Objects.requireNonNull(model, "model");
        this.sessionOptions = SessionOptions.of(CachePolicy.sink(4, Math.max(1, model.info().contextLength() - 4)));
    }

    /**
     * The KV cache of each session; the default is a sink cache of the model's trained context,
     * {@code CachePolicy.sink(4, contextLength - 4)}.
     *
     * @param policy the cache policy
     * @return this builder
     */
    public B cachePolicy(CachePolicy policy) {
        return sessionOptions(SessionOptions.of(policy));
    }

    /**
     * Every option of each session: cache policy, KV type, prefill and eviction chunks.
     *
     * @param options the session options
     * @return this builder
     */
    public B sessionOptions(SessionOptions options) {
        this.sessionOptions = Objects.requireNonNull(options, "options");
        return self();
    }

    /**
     * How answers are sampled when a request does not say: the default is {@link Sampling#defaults()}, with a
     * seed of its own for each request. A request's temperature, top-p, top-k, token limit, penalties, stop sequences and
     * ({@link StreamllmChatRequestParameters}) seed override it; the chat template's stop texts are always added.
     *
     * @param sampling the sampling of every request
     * @return this builder
     */
    public B sampling(Sampling sampling) {
        Objects.requireNonNull(sampling, "sampling");
        this.sampling = () -> sampling;
        return self();
    }

    /**
     * Whether each LangChain4j chat memory id keeps a session (one KV cache) of its own across requests, so that
     * a turn prefills only its new tokens. The id reaches the model in {@link StreamllmChatRequestParameters}
     * (set by {@link StreamllmChatRequestParameters#withMemoryId} as an {@code AiServices}
     * {@code chatRequestTransformer}); a request without one gets a fresh session. Off by default: every request
     * is then read from the start, as a remote model would. Sessions stay until
     * {@code forget(memoryId)}.
     *
     * @param enabled whether to keep a session per memory id
     * @return this builder
     */
    public B sessionPerMemoryId(boolean enabled) {
        this.sessionPerMemoryId = enabled;
        return self();
    }

    /**
     * A Jinja chat template (as Hugging Face writes them) to use instead of the model's own; models without
     * one get a plain "User:"/"Assistant:" transcript.
     *
     * @param source the template's Jinja source
     * @return this builder
     */
    public B chatTemplate(String source) {
        this.chatTemplate = source;
        return self();
    }

    /**
     * Listeners told of every request, response and error.
     *
     * @param listeners the listeners
     * @return this builder
     */
    public B listeners(List<ChatModelListener> listeners) {
        this.listeners = List.copyOf(listeners);
        return self();
    }

    List<ChatModelListener> listeners() {
        return listeners;
    }

    /**
     * @throws io.streamllm.api.StreamllmException when the chat template cannot be parsed
     */
    ChatEngine engine() {
        return new ChatEngine(model, chatTemplate, sessionOptions, sampling, sessionPerMemoryId);
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
