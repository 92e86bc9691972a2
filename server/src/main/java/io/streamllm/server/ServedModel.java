package io.streamllm.server;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.KvType;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StopStrings;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.ChatTemplates;
import io.streamllm.chat.RenderedChat;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * The one model a server runs, with what every session of it shares: the chat template, the session
 * options (a bounded cache, so that no conversation ever runs out of context) and the stop strings.
 */
public final class ServedModel implements AutoCloseable {
    private final StreamingModel model;
    private final ChatTemplate template;
    private final ChatEncoder encoder;
    private final SessionOptions options;
    private final List<String> endStops;
    private final long sessionBytes;

    /** Serves {@code model}, each session's cache as {@code options} say, message text read as plain text. */
    public ServedModel(StreamingModel model, SessionOptions options) {
        this(model, options, false);
    }

    /**
     * Serves {@code model}, each session's cache as {@code options} say; {@code specialInContent} parses
     * special-token text in messages and prompts as those tokens.
     */
    public ServedModel(StreamingModel model, SessionOptions options, boolean specialInContent) {
        this(model, options, ChatTemplates.forModel(model), specialInContent);
    }

    /** As above, rendering chats with {@code template} instead of the model's own. */
    ServedModel(StreamingModel model, SessionOptions options, ChatTemplate template, boolean specialInContent) {
        CachePolicy policy = options.policy();
        if (!policy.bounded()) {
            throw new StreamllmException("serve needs a bounded cache so that conversations never outgrow it: use --cache sink:S:W"
                    + " (or window:W, recompute:W, h2o:S:H:W, snapkv:S:K:W), not " + policy.spec());
        }
        this.model = model;
        this.template = template;
        this.encoder = new ChatEncoder(model.tokenizer(), specialInContent);
        this.options = options;
        this.endStops = StopStrings.withModelEndTokens(List.of(), model.tokenizer());
        this.sessionBytes = newConversation().stats().allocatedBytes();
    }

    /** The name clients give as "model". */
    public String id() {
        return model.info().name();
    }

    /** The model itself (closed with this). */
    public StreamingModel model() {
        return model;
    }

    public CachePolicy policy() {
        return options.policy();
    }

    /** Tokens the window of every session's cache holds besides its sinks. */
    int windowTokens() {
        return options.policy().windowTokens().orElseThrow();
    }

    /** Tokens every session's cache holds at most: sinks and window. */
    int cacheCapacity() {
        return options.policy().sinkTokens() + windowTokens();
    }

    /** How every session's KV cache stores keys and values. */
    public KvType kvType() {
        return options.kvType();
    }

    public ChatTemplate template() {
        return template;
    }

    /** KV cache bytes one session holds (allocated up front, the same for every session). */
    public long sessionBytes() {
        return sessionBytes;
    }

    public Conversation newConversation() {
        return model.newConversation(options);
    }

    /** How every session keeps its stream. */
    public SessionOptions sessionOptions() {
        return options;
    }

    /**
     * The text of a request: the chat rendered up to the assistant's prompt, or the prompt.
     *
     * @throws ApiError when the chat template rejects the conversation
     */
    public RenderedChat render(CompletionRequest request) {
        if (request.kind() != CompletionRequest.Kind.CHAT) {
            return encoder.prompt(request.prompt());
        }
        try {
            return encoder.render(template, request.messages(), request.tools().definitions(), true);
        } catch (StreamllmException e) {
            throw ApiError.invalid("messages", e.getMessage());
        }
    }

    /** The tokens of a request's whole text, BOS first (unless the chat template wrote it). */
    public int[] encode(RenderedChat prompt) {
        return encoder.encode(prompt);
    }

    /** The tokens of text that continues a conversation already tokenized. */
    int[] continuation(RenderedChat rest) {
        return encoder.continuation(rest);
    }

    /** The texts that end an answer: the request's, the template's (chat) and the model's end markers. */
    public List<String> stopStrings(CompletionRequest request) {
        LinkedHashSet<String> stops = new LinkedHashSet<>(request.stop());
        if (request.kind() == CompletionRequest.Kind.CHAT) {
            stops.addAll(template.stopStrings());
        }
        stops.addAll(endStops);
        return List.copyOf(stops);
    }

    @Override
    public void close() {
        model.close();
    }
}
