package io.streamllm.server;

import io.streamllm.api.ChoiceListener;
import io.streamllm.api.Conversation;
import io.streamllm.api.Generation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamllmException;
import io.streamllm.api.TokenLogprob;
import io.streamllm.chat.RenderedChat;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * The loaded model at work: runs the turns of requests in their sessions, one model step at a time
 * through the {@link ModelScheduler}, and commits each turn (durably, with a state directory) before
 * it returns, so that nothing a client is told is done can be lost.
 */
final class ModelService implements AutoCloseable {
    /** How often sessions past their time to live, or beyond the state directory's size, are looked for at most. */
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

    /**
     * What a turn produced: choice 0's text and finish reason (the answer that joins the session), the usage
     * (completion tokens of all choices together) and every choice.
     */
    record Outcome(String text, String finishReason, int promptTokens, int reusedTokens, int completionTokens,
                   String sessionId, SessionStats stats, List<Choice> choices) {

        /** Every choice; a plain turn's one choice is made here, when asked for. */
        @Override
        public List<Choice> choices() {
            return choices != null ? choices
                    : List.of(new Choice(0, text, finishReason, completionTokens, List.of(), List.of()));
        }
    }

    /**
     * One answer of a turn.
     *
     * @param logprobs the log-probabilities of all its generated tokens (empty when not asked for)
     * @param unsent   those not yet streamed with a text (the tokens of held-back text, such as a stop string)
     */
    record Choice(int index, String text, String finishReason, int completionTokens, List<TokenLogprob> logprobs,
                  List<TokenLogprob> unsent) {
    }

    /** Receives a streamed answer: text of a choice, with the log-probabilities of its tokens since its last text. */
    interface ChoiceSink {
        void text(int choice, String text, List<TokenLogprob> tokens);
    }

    private final ServedModel model;
    private final ModelScheduler scheduler = new ModelScheduler();
    private final SessionStore sessions;
    private final ServerMetrics metrics;
    private final int defaultMaxTokens;
    private final AtomicInteger activeGenerations = new AtomicInteger();
    private final Thread sweeper;
    /** Set on shutdown once the grace period is over: generations end as if their max_tokens were reached. */
    private volatile boolean ending;

    private ModelService(ServedModel model, ServerOptions options, ServerMetrics metrics) {
        this.model = model;
        this.metrics = metrics;
        this.defaultMaxTokens = options.defaultMaxTokens();
        StateDirectory state = options.stateDir() == null ? null : new StateDirectory(options.stateDir());
        this.sessions = new SessionStore(model, options.maxSessions(), options.limits(), state, scheduler, metrics);
        Duration ttl = options.limits().sessionTtl();
        Duration every = ttl.dividedBy(2).compareTo(SWEEP_INTERVAL) < 0 ? ttl.dividedBy(2) : SWEEP_INTERVAL;
        this.sweeper = Thread.ofPlatform().name("streamllm-session-sweeper").daemon().start(() -> sweepEvery(every));
    }

    private void sweepEvery(Duration interval) {
        try {
            while (true) {
                Thread.sleep(interval.toMillis() < 1 ? Duration.ofMillis(1) : interval);
                sessions.sweep();
            }
        } catch (InterruptedException e) {
            // closed
        }
    }

    /** Checks that the sessions fit the heap, then serves {@code model}. */
    static ModelService start(ServedModel model, ServerOptions options, ServerMetrics metrics) {
        Runtime runtime = Runtime.getRuntime();
        long free = runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
        long needed = model.sessionBytes() * options.maxSessions();
        // The rest of the heap is for requests, transcripts and garbage collection headroom.
        if (needed > free / 5 * 4) {
            throw new StreamllmException(String.format(
                    "--max-sessions %d needs %.1f MiB of KV cache (%.2f MiB per session under %s), but only %.1f MiB of heap"
                            + " are free; lower --max-sessions, use a smaller --cache window, or give the JVM more heap"
                            + " (STREAMLLM_JAVA_OPTS=-Xmx...)", options.maxSessions(), needed / 1048576.0,
                    model.sessionBytes() / 1048576.0, model.policy().spec(), free / 1048576.0));
        }
        return new ModelService(model, options, metrics);
    }

    ServedModel model() {
        return model;
    }

    SessionStore sessions() {
        return sessions;
    }

    ModelScheduler scheduler() {
        return scheduler;
    }

    int activeGenerations() {
        return activeGenerations.get();
    }

    /** Ends the generations running now and to come at their next token, with finish_reason "length" (shutdown). */
    void endGenerations() {
        ending = true;
    }

    /**
     * Runs one turn of {@code request} in the leased session and commits it.
     *
     * @param prompt        the request's whole conversation as text
     * @param tokens        the same as tokens, tokenized in one piece (used when the session's history text is not its start)
     * @param startNanos    when the request arrived (for time to first token)
     * @param clientGone    polled before every token: true cancels the generation
     * @param onText        receives the answer's text as it is produced
     * @throws IOException  when the turn could not be saved (the session then restarts from its last saved turn)
     */
    Outcome run(CompletionRequest request, RenderedChat prompt, int[] tokens, SessionStore.Lease lease, long startNanos,
                BooleanSupplier clientGone, Consumer<String> onText) throws IOException {
        return run(request, UnaryOperator.identity(), prompt, tokens, lease, startNanos, clientGone, onText);
    }

    /**
     * As above, with {@code adjust} applied to the request's sampling: for APIs whose requests set more than
     * OpenAI's fields do (Ollama's top_k, min_p, repeat_penalty).
     */
    Outcome run(CompletionRequest request, UnaryOperator<Sampling> adjust, RenderedChat prompt, int[] tokens,
                SessionStore.Lease lease, long startNanos, BooleanSupplier clientGone, Consumer<String> onText)
            throws IOException {
        return run(request, adjust, prompt, tokens, lease, startNanos, clientGone,
                (choice, text, logprobs) -> onText.accept(text), onText);
    }

    /**
     * As {@link #run(CompletionRequest, RenderedChat, int[], SessionStore.Lease, long, BooleanSupplier, Consumer)},
     * for every choice of the request (OpenAI's {@code n}; its prompt is prefilled once), with the log-probabilities
     * of their tokens when asked for. Choice 0 is the answer that joins the session.
     */
    Outcome run(CompletionRequest request, RenderedChat prompt, int[] tokens, SessionStore.Lease lease, long startNanos,
                BooleanSupplier clientGone, ChoiceSink sink) throws IOException {
        return run(request, UnaryOperator.identity(), prompt, tokens, lease, startNanos, clientGone, sink,
                text -> sink.text(0, text, List.of()));
    }

    /**
     * {@code plainText}: where the text of a plain turn (one choice, no log-probabilities) goes. A plain turn runs
     * as before choices existed, building no per-choice state: the allocation test measures this path.
     */
    private Outcome run(CompletionRequest request, UnaryOperator<Sampling> adjust, RenderedChat prompt, int[] tokens,
                        SessionStore.Lease lease, long startNanos, BooleanSupplier clientGone, ChoiceSink sink,
                        Consumer<String> plainText)
            throws IOException {
        int maxTokens = request.maxTokens() != null ? request.maxTokens() : defaultMaxTokens;
        // Conversation reserves room in the window for the whole budget before the turn (evict for space).
        // Up to half the window that costs little context; a larger budget would evict most of the conversation
        // up front, so such answers are cut by counting instead and evict as they go, like any StreamingLLM stream.
        boolean reserve = maxTokens <= model.windowTokens() / 2;
        Sampling unconstrained = adjust.apply(sampling(request, reserve ? maxTokens : -1, model.stopStrings(request)));
        Sampling sampling = request.tools().forced()
                ? new ToolTurn(request.tools(), model.template().toolCallFormat()).constrained(unconstrained) : unconstrained;
        int limit = reserve ? Integer.MAX_VALUE : maxTokens;
        int n = request.n();
        boolean plain = n == 1 && !request.wantsLogprobs();
        Steps steps = plain ? new Steps(limit, clientGone) : null;
        // The answer is kept here: the generator keeps no text of a generation without a token limit.
        StringBuilder answerText = plain ? new StringBuilder() : null;
        Consumer<String> firstTextTimed = plain ? new Consumer<>() {
            private boolean first = true;

            @Override
            public void accept(String text) {
                if (first) {
                    first = false;
                    metrics.firstToken(System.nanoTime() - startNanos);
                }
                answerText.append(text);
                plainText.accept(text);
            }
        } : null;
        ChoiceCollector choices = plain ? null : new ChoiceCollector(n, request.wantsLogprobs(), limit, clientGone, startNanos, sink);

        Conversation conversation = lease.conversation();
        int[] history = conversation.history();
        int[] promptTokens = lease.historyText().flatMap(text -> text.tokensFor(prompt, history, model)).orElse(tokens);
        lease.historyText(null); // until the turn is committed
        metrics.history(history.length);
        Transcript before = lease.transcript();
        SessionStats stats = before != null ? before.stats() : SessionStats.empty(model.cacheCapacity());
        long evictedBefore = conversation.stats().evictedTokens();
        activeGenerations.incrementAndGet();
        Conversation.Turn turn;
        List<Conversation.Turn> turns = null;
        try {
            if (plain) {
                turn = scheduler.exclusive(() -> conversation.reply(promptTokens, sampling, firstTextTimed, steps));
            } else {
                turns = scheduler.exclusive(() -> conversation.reply(promptTokens, sampling, n, choices));
                turn = turns.getFirst();
            }
        } catch (RuntimeException | Error e) {
            lease.markBroken();
            throw e;
        } finally {
            activeGenerations.decrementAndGet();
        }
        String answer;
        String finishReason;
        int generatedInAll;
        List<Choice> answers = null; // a plain turn's single choice is made when asked for (Outcome.choices)
        if (plain) {
            int generated = turn.generation().generatedTokens();
            metrics.generated(generated - steps.counted);
            generatedInAll = generated;
            finishReason = finishReason(turn.generation().stopReason(), steps.cut);
            answer = answerText.toString();
        } else {
            answers = new ArrayList<>(n);
            generatedInAll = 0;
            for (int i = 0; i < n; i++) {
                Generation generation = turns.get(i).generation();
                Steps choiceSteps = choices.steps[i];
                metrics.generated(generation.generatedTokens() - choiceSteps.counted);
                generatedInAll += generation.generatedTokens();
                answers.add(new Choice(i, choices.texts[i].toString(), finishReason(generation.stopReason(), choiceSteps.cut),
                        generation.generatedTokens(), choices.logprobs(i), choices.unsent(i)));
            }
            answer = answers.getFirst().text();
            finishReason = answers.getFirst().finishReason();
        }
        long evictedAfter = conversation.stats().evictedTokens();
        metrics.turn(turn.reusedTokens(), turn.prefilledTokens(), generatedInAll, finishReason,
                turn.restarted() ? evictedAfter : evictedAfter - evictedBefore, turn.restarted());

        SessionStats after = stats.after(conversation, turn);
        Transcript committed = lease.commit(after, request.kind() == CompletionRequest.Kind.CHAT
                ? Transcript.withAnswer(request.messages(), answer) : null);
        lease.historyText(HistoryText.after(prompt.text(), promptTokens.length, committed.tokens(), model.model().tokenizer()));
        return new Outcome(answer, finishReason, promptTokens.length, turn.reusedTokens(), generatedInAll,
                lease.sessionId(), after, answers);
    }

    /**
     * The log-probabilities of a prompt's tokens after the first (OpenAI's echo with logprobs), each with
     * {@code alternatives} of the most likely tokens: read in a session of their own, the served cache policy's.
     */
    List<TokenLogprob> promptLogprobs(int[] tokens, int alternatives) {
        List<TokenLogprob> scored = new ArrayList<>(tokens.length);
        scheduler.exclusive(() -> model.model().newSession(model.sessionOptions()).scoreTokens(tokens, alternatives, scored::add));
        return scored;
    }

    /**
     * Gathers the choices of a turn as they are generated: their text, their tokens' log-probabilities (all, and
     * those not yet sent with a text), their token counts; passes text on to the sink.
     */
    private final class ChoiceCollector implements ChoiceListener {
        final Steps[] steps;
        final StringBuilder[] texts;
        // Only when log-probabilities were asked for: a plain turn allocates as little as it did before choices.
        private final List<List<TokenLogprob>> all;
        private final List<List<TokenLogprob>> pending;
        private final long startNanos;
        private final ChoiceSink sink;
        private boolean first = true;
        ChoiceCollector(int n, boolean logprobs, int limit, BooleanSupplier clientGone, long startNanos, ChoiceSink sink) {
            this.steps = new Steps[n];
            this.texts = new StringBuilder[n];
            this.all = logprobs ? new ArrayList<>(n) : null;
            this.pending = logprobs ? new ArrayList<>(n) : null;
            for (int i = 0; i < n; i++) {
                steps[i] = new Steps(limit, clientGone);
                texts[i] = new StringBuilder();
                if (logprobs) {
                    all.add(new ArrayList<>());
                    pending.add(new ArrayList<>());
                }
            }
            this.startNanos = startNanos;
            this.sink = sink;
        }

        @Override
        public void text(int choice, String text) {
            if (first) {
                first = false;
                metrics.firstToken(System.nanoTime() - startNanos);
            }
            texts[choice].append(text);
            List<TokenLogprob> tokens = List.of();
            if (pending != null && !pending.get(choice).isEmpty()) {
                tokens = List.copyOf(pending.get(choice));
                pending.get(choice).clear();
            }
            sink.text(choice, text, tokens);
        }

        @Override
        public void token(int choice, TokenLogprob token) {
            all.get(choice).add(token);
            pending.get(choice).add(token);
        }

        @Override
        public boolean cancelled(int choice) {
            return steps[choice].getAsBoolean();
        }

        List<TokenLogprob> logprobs(int choice) {
            return all == null ? List.of() : List.copyOf(all.get(choice));
        }

        List<TokenLogprob> unsent(int choice) {
            return pending == null ? List.of() : List.copyOf(pending.get(choice));
        }
    }

    /** The request's sampling, generating at most {@code maxTokens} (negative: no limit) and stopping at {@code stops}. */
    static Sampling sampling(CompletionRequest request, int maxTokens, List<String> stops) {
        long seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong();
        // One record, not a chain of copies: the allocation test counts what a turn allocates besides its tokens.
        return new Sampling(request.temperature(), 0, request.topP(), 0f, 1f, 64, request.frequencyPenalty(),
                request.presencePenalty(), seed, maxTokens, stops, false, request.logitBias(), request.logprobs(),
                request.constraint());
    }

    private static String finishReason(StopReason reason, boolean cutByCount) {
        return switch (reason) {
            case END_OF_GENERATION, STOP_STRING -> "stop";
            case MAX_TOKENS -> "length";
            case CANCELLED -> cutByCount ? "length" : "cancelled";
        };
    }

    /**
     * Polled by the generator before every token: hands the model to the next waiting generation,
     * counts tokens (for the token-rate gauge and for budgets cut by counting) and says when to stop.
     */
    private final class Steps implements BooleanSupplier {
        private final int limit;
        private final BooleanSupplier clientGone;
        private int polls;
        int counted;
        boolean cut;

        Steps(int limit, BooleanSupplier clientGone) {
            this.limit = limit;
            this.clientGone = clientGone;
        }

        @Override
        public boolean getAsBoolean() {
            // The n-th poll comes after n-1 tokens were generated.
            if (polls++ > 0) {
                counted++;
                metrics.generated(1);
            }
            scheduler.yieldTurn();
            if (clientGone.getAsBoolean()) {
                return true;
            }
            cut = counted >= limit || ending;
            return cut;
        }
    }

    @Override
    public void close() {
        sweeper.interrupt();
        model.close();
    }
}
