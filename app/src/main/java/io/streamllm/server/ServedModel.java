package io.streamllm.server;

import io.streamllm.engine.StopStrings;
import io.streamllm.StreamllmException;
import io.streamllm.chat.ChatTemplate;
import io.streamllm.chat.ChatTemplates;
import io.streamllm.engine.Conversation;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
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
    private final CachePolicy policy;
    private final int prefillChunk;
    private final int evictChunk;
    private final List<String> endStops;
    private final long sessionBytes;

    public ServedModel(Model model, CachePolicy policy, int prefillChunk, int evictChunk) {
        if (policy.windowTokens() == CachePolicy.UNBOUNDED) {
            throw new StreamllmException("serve needs a bounded cache so that conversations never outgrow it: use --cache sink:S:W"
                    + " (or window:W, recompute:W), not " + policy.spec());
        }
        this.model = model;
        this.template = ChatTemplates.forModel(model);
        this.policy = policy;
        this.prefillChunk = prefillChunk;
        this.evictChunk = evictChunk;
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
        return new Session(model.network(), policy, prefillChunk, evictChunk);
    }

    /** The tokens of a request: the rendered chat ending in the assistant's prompt, or the prompt with BOS. */
    public int[] encode(CompletionRequest request) {
        if (request.kind() == CompletionRequest.Kind.CHAT) {
            return ChatTemplates.encode(model, template.render(request.messages(), true));
        }
        return model.tokenizer().encode(request.prompt(), true, false);
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
