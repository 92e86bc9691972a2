package io.streamllm.server;

import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamllmException;
import io.streamllm.chat.RenderedChat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The loaded model at work: runs the turns of requests in their sessions, one model step at a time
 * through the {@link ModelScheduler}, and commits each turn (durably, with a state directory) before
 * it returns, so that nothing a client is told is done can be lost.
 */
final class ModelService implements AutoCloseable {
    /** How often sessions past their time to live, or beyond the state directory's size, are looked for at most. */
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(5);

    /** What a turn produced. */
    record Outcome(String text, String finishReason, int promptTokens, int reusedTokens, int completionTokens,
                   String sessionId, SessionStats stats) {
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
        int maxTokens = request.maxTokens() != null ? request.maxTokens() : defaultMaxTokens;
        // Conversation reserves room in the window for the whole budget before the turn (evict for space).
        // Up to half the window that costs little context; a larger budget would evict most of the conversation
        // up front, so such answers are cut by counting instead and evict as they go, like any StreamingLLM stream.
        boolean reserve = maxTokens <= model.windowTokens() / 2;
        Sampling unconstrained = sampling(request, reserve ? maxTokens : -1, model.stopStrings(request));
        Sampling sampling = request.tools().forced()
                ? new ToolTurn(request.tools(), model.template().toolCallFormat()).constrained(unconstrained) : unconstrained;
        Steps steps = new Steps(reserve ? Integer.MAX_VALUE : maxTokens, clientGone);
        // The answer is kept here: the generator keeps no text of a generation without a token limit.
        StringBuilder answer = new StringBuilder();
        Consumer<String> firstTextTimed = new Consumer<>() {
            private boolean first = true;

            @Override
            public void accept(String text) {
                if (first) {
                    first = false;
                    metrics.firstToken(System.nanoTime() - startNanos);
                }
                answer.append(text);
                onText.accept(text);
            }
        };

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
        try {
            turn = scheduler.exclusive(() -> conversation.reply(promptTokens, sampling, firstTextTimed, steps));
        } catch (RuntimeException | Error e) {
            lease.markBroken();
            throw e;
        } finally {
            activeGenerations.decrementAndGet();
        }
        int generated = turn.generation().generatedTokens();
        metrics.generated(generated - steps.counted);
        String finishReason = finishReason(turn.generation().stopReason(), steps.cut);
        long evictedAfter = conversation.stats().evictedTokens();
        metrics.turn(turn.reusedTokens(), turn.prefilledTokens(), generated, finishReason,
                turn.restarted() ? evictedAfter : evictedAfter - evictedBefore, turn.restarted());

        SessionStats after = stats.after(conversation, turn);
        Transcript committed = lease.commit(after, request.kind() == CompletionRequest.Kind.CHAT
                ? Transcript.withAnswer(request.messages(), answer.toString()) : null);
        lease.historyText(HistoryText.after(prompt.text(), promptTokens.length, committed.tokens(), model.model().tokenizer()));
        return new Outcome(answer.toString(), finishReason, promptTokens.length, turn.reusedTokens(), generated,
                lease.sessionId(), after);
    }

    /** The request's sampling, generating at most {@code maxTokens} (negative: no limit) and stopping at {@code stops}. */
    static Sampling sampling(CompletionRequest request, int maxTokens, List<String> stops) {
        long seed = request.seed() != null ? request.seed() : ThreadLocalRandom.current().nextLong();
        // One record, not a chain of copies: the allocation test counts what a turn allocates besides its tokens.
        return new Sampling(request.temperature(), 0, request.topP(), 0f, 1f, 64, request.frequencyPenalty(),
                request.presencePenalty(), seed, maxTokens, stops, false);
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
