package io.streamllm.server;

import io.streamllm.engine.StopStrings;
import io.streamllm.api.StreamllmException;
import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.ChatTemplates;
import io.streamllm.chat.RenderedChat;
import io.streamllm.engine.Conversation;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.api.KvType;
import io.streamllm.model.Model;

import java.util.LinkedHashSet;
import java.util.List;

/**
 * The one model a server runs, with what every session of it shares: the chat template, the cache
 * policy (bounded, so that no conversation ever runs out of context) and the stop strings.
 */
public final class ServedModel implements AutoCloseable {
    private final Model model;
    private final ChatTemplate template;
    private final ChatEncoder encoder;
    private final CachePolicy policy;
    private final int prefillChunk;
    private final int evictChunk;
    private final KvType kvType;
    private final List<String> endStops;
    private final long sessionBytes;

    public ServedModel(Model model, CachePolicy policy, int prefillChunk, int evictChunk) {
        this(model, policy, prefillChunk, evictChunk, false);
    }

    /** As above; {@code specialInContent} parses special-token text in messages and prompts as those tokens. */
    public ServedModel(Model model, CachePolicy policy, int prefillChunk, int evictChunk, boolean specialInContent) {
        this(model, policy, prefillChunk, evictChunk, specialInContent, KvType.F32);
    }

    /** As above, with sessions whose KV caches store keys and values as {@code kvType}. */
    public ServedModel(Model model, CachePolicy policy, int prefillChunk, int evictChunk, boolean specialInContent,
                       KvType kvType) {
        if (policy.windowTokens() == CachePolicy.UNBOUNDED) {
            throw new StreamllmException("serve needs a bounded cache so that conversations never outgrow it: use --cache sink:S:W"
                    + " (or window:W, recompute:W), not " + policy.spec());
        }
        this.model = model;
        this.template = ChatTemplates.forModel(model);
        this.encoder = new ChatEncoder(model.tokenizer(), specialInContent);
        this.policy = policy;
        this.prefillChunk = prefillChunk;
        this.evictChunk = evictChunk;
        this.kvType = kvType;
        this.endStops = StopStrings.withModelEndTokens(List.of(), model.tokenizer());
        this.sessionBytes = newSession().cacheStats().allocatedBytes();
    }

    /** The name clients give as "model". */
    public String id() {
        return model.name();
    }

    public Model model() {
        return model;
    }

    public CachePolicy policy() {
        return policy;
    }

    /** How every session's KV cache stores keys and values. */
    public KvType kvType() {
        return kvType;
    }

    public ChatTemplate template() {
        return template;
    }

    /** KV cache bytes one session holds (allocated up front, the same for every session). */
    public long sessionBytes() {
        return sessionBytes;
    }

    public Conversation newConversation() {
        return new Conversation(newSession(), model.tokenizer());
    }

    private Session newSession() {
        return new Session(model.network(), policy, prefillChunk, evictChunk, kvType);
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
            return encoder.render(template, request.messages(), true);
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
