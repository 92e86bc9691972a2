package io.streamllm.chat;

import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StopStrings;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;

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
    private final Conversation conversation;
    private final Sampling sampling;
    private final int trainedContext;
    private final TurnPrompts prompts;
    private final List<ChatMessage> transcript = new ArrayList<>();
    private String systemPrompt;
    private long turns;
    private long restarts;
    private Conversation.Turn lastTurn;

    /**
     * A chat with {@code model} in one conversation opened with {@code options}.
     *
     * @param sampling     per answer: token budget, sampling and the caller's stop strings (the template's and the
     *                     model's end texts are added)
     * @param systemPrompt the system message, or null/blank for none
     */
    public ChatSession(ChatTemplate template, StreamingModel model, SessionOptions options, Sampling sampling,
                       String systemPrompt) {
        this(template, model, options, sampling, systemPrompt, false);
    }

    /** As above; {@code specialInContent} parses special-token text typed in messages as those tokens. */
    public ChatSession(ChatTemplate template, StreamingModel model, SessionOptions options, Sampling sampling,
                       String systemPrompt, boolean specialInContent) {
        List<String> stops = new ArrayList<>(sampling.stopStrings());
        stops.addAll(template.stopStrings());
        this.template = template;
        this.conversation = model.newConversation(options);
        this.sampling = sampling.stopStrings(StopStrings.withModelEndTokens(stops, model.tokenizer()));
        this.trainedContext = model.info().contextLength();
        this.prompts = new TurnPrompts(template, new ChatEncoder(model.tokenizer(), specialInContent));
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
            turn = conversation.reply(prompt, sampling, onText, cancelled);
        } catch (RuntimeException e) {
            transcript.removeLast(); // user and assistant messages keep alternating
            throw e;
        }
        transcript.add(new ChatMessage("assistant", turn.generation().text()));
        prompts.answered(prompt, conversation.history(), turn.generation());
        turns++;
        if (turn.restarted()) {
            restarts++;
        }
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
        return ChatStats.of(this, turns, restarts, lastTurn, prompts.incremental());
    }

    private void startOver(String system) {
        systemPrompt = system == null || system.isBlank() ? null : system;
        transcript.clear();
        if (systemPrompt != null) {
            transcript.add(new ChatMessage("system", systemPrompt));
        }
        conversation.reset();
        prompts.reset();
        turns = 0;
        restarts = 0;
        lastTurn = null;
    }

    /** A dense cache past the trained context degrades into garbage: refuse the turn instead. */
    private void checkFits(int promptTokens) {
        if (conversation.options().policy().windowTokens().isPresent()) {
            return;
        }
        long needed = (long) promptTokens + Math.max(0, sampling.maxTokens());
        if (needed > trainedContext || sampling.maxTokens() < 0) {
            throw new StreamllmException(String.format(
                    "this turn needs %s tokens of context under --cache dense, beyond the model's trained %d;"
                            + " /reset, or chat with a streaming cache such as sink:4:%d",
                    sampling.maxTokens() < 0 ? promptTokens + " + an unlimited answer" : Long.toString(needed),
                    trainedContext, Math.max(1, trainedContext - 5)));
        }
    }
}
