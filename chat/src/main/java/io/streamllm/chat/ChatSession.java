package io.streamllm.chat;

import io.streamllm.api.StreamllmException;
import io.streamllm.engine.Conversation;
import io.streamllm.engine.Generator;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.api.Tokenizer;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A multi-round chat with a model: the transcript, the template that renders it and the
 * {@link Conversation} (one session, one KV cache) that answers. Under a sink or window cache it goes on
 * for as many turns as wanted in constant memory: before each turn the cache makes room for the prompt and
 * the answer, evicting the oldest window tokens; the transcript keeps every message.
 */
public final class ChatSession {
    private final ChatTemplate template;
    private final Session session;
    private final Tokenizer tokenizer;
    private Conversation conversation;
    private final Generator.Settings settings;
    private final int trainedContext;
    private final TurnPrompts prompts;
    private final List<ChatMessage> transcript = new ArrayList<>();
    private String systemPrompt;
    private long turns;
    private Conversation.Turn lastTurn;

    /**
     * @param settings       per answer: token budget, sampling, stop strings (the template's and the model's end texts)
     * @param trainedContext the model's trained context, which a dense cache must not outgrow
     * @param systemPrompt   the system message, or null/blank for none
     */
    public ChatSession(ChatTemplate template, Session session, Tokenizer tokenizer, Generator.Settings settings,
                       int trainedContext, String systemPrompt) {
        this(template, session, tokenizer, settings, trainedContext, systemPrompt, false);
    }

    /** As above; {@code specialInContent} parses special-token text typed in messages as those tokens. */
    public ChatSession(ChatTemplate template, Session session, Tokenizer tokenizer, Generator.Settings settings,
                       int trainedContext, String systemPrompt, boolean specialInContent) {
        this.template = template;
        this.session = session;
        this.tokenizer = tokenizer;
        this.settings = settings;
        this.trainedContext = trainedContext;
        this.prompts = new TurnPrompts(template, new ChatEncoder(tokenizer, specialInContent));
        startOver(systemPrompt);
    }

    /**
     * Sends a user message and streams the answer to {@code onText} until an end token, a stop string, the
     * token budget or {@code cancelled}. A cancelled answer stays in the transcript as what the assistant said.
     *
     * @throws StreamllmException when the template rejects the conversation or a dense cache would outgrow
     *                            the trained context; the message is then not part of the conversation
     */
    public Conversation.Turn send(String userText, Consumer<String> onText, BooleanSupplier cancelled) {
        transcript.add(new ChatMessage("user", userText));
        int[] prompt;
        Conversation.Turn turn;
        try {
            prompt = prompts.next(transcript);
            checkFits(prompt.length);
            turn = conversation.reply(prompt, settings, onText, cancelled);
        } catch (RuntimeException e) {
            transcript.removeLast(); // user and assistant messages keep alternating
            throw e;
        }
        transcript.add(new ChatMessage("assistant", turn.result().text()));
        prompts.answered(prompt, conversation.history(), turn.result());
        turns++;
        lastTurn = turn;
        return turn;
    }

    /** Forgets the conversation (cache included); the system prompt stays. */
    public void reset() {
        startOver(systemPrompt);
    }

    /** Starts a new conversation with this system prompt (null or blank: none). */
    public void setSystemPrompt(String text) {
        startOver(text);
    }

    public String systemPrompt() {
        return systemPrompt;
    }

    /** Every message so far, the system message first when there is one. */
    public List<ChatMessage> transcript() {
        return Collections.unmodifiableList(transcript);
    }

    public ChatTemplate template() {
        return template;
    }

    public Conversation conversation() {
        return conversation;
    }

    public ChatStats stats() {
        return ChatStats.of(this, turns, lastTurn, prompts.incremental());
    }

    private void startOver(String system) {
        systemPrompt = system == null || system.isBlank() ? null : system;
        transcript.clear();
        if (systemPrompt != null) {
            transcript.add(new ChatMessage("system", systemPrompt));
        }
        session.reset();
        conversation = new Conversation(session, tokenizer);
        prompts.reset();
        turns = 0;
        lastTurn = null;
    }

    /** A dense cache past the trained context degrades into garbage: refuse the turn instead. */
    private void checkFits(int promptTokens) {
        CachePolicy policy = session.policy();
        if (policy.windowTokens() != CachePolicy.UNBOUNDED) {
            return;
        }
        long needed = (long) promptTokens + Math.max(0, settings.maxTokens());
        if (needed > trainedContext || settings.maxTokens() < 0) {
            throw new StreamllmException(String.format(
                    "this turn needs %s tokens of context under --cache dense, beyond the model's trained %d;"
                            + " /reset, or chat with a streaming cache such as sink:4:%d",
                    settings.maxTokens() < 0 ? promptTokens + " + an unlimited answer" : Long.toString(needed),
                    trainedContext, Math.max(1, trainedContext - 5)));
        }
    }
}
