package io.streamllm.api;

import io.streamllm.engine.Generator;
import io.streamllm.engine.Session;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A chat that goes on for ever: one session plus the full token history fed to it. Each turn passes the whole
 * conversation rendered as tokens (as OpenAI-style clients send it, through the model's chat template); only the
 * part past what was already fed is prefilled. Before each turn the cache makes room for the new tokens and the
 * answer, so a turn never evicts mid-answer. When the history changed inside what the cache already evicted, the
 * conversation is read again from the start ({@link #restarts()}).
 *
 * <p>Thread-safety: as {@link StreamingSession}, one thread at a time; a second gets a
 * {@link SessionBusyException}.
 */
public final class Conversation {

    /**
     * What a turn cost and produced.
     *
     * @param generation      the answer and its timings
     * @param reusedTokens    tokens of the conversation already in the cache, not fed again
     * @param prefilledTokens tokens fed before the answer
     * @param restarted       whether the conversation had to be read again from the start
     */
    public record Turn(Generation generation, int reusedTokens, int prefilledTokens, boolean restarted) {
    }

    private final StreamingModel model;
    private final SessionOptions options;
    private final Session session;
    private final Generator generator;
    private final SingleThreadGuard guard = new SingleThreadGuard();
    private int[] history = new int[1024];
    private int historyLength;
    private long restarts;
    private boolean restartedNow; // whether the last keepCommonPrefix started the session over (no object per turn)

    Conversation(StreamingModel model, SessionOptions options) {
        this.model = model;
        this.options = options;
        this.session = model.engineSession(options);
        this.generator = new Generator(session, model.tokenizer());
    }

    /** {@return the model this conversation runs} */
    public StreamingModel model() {
        return model;
    }

    /** {@return the options its session was opened with} */
    public SessionOptions options() {
        return options;
    }

    /** {@return the tokens fed so far, prompts and answers} */
    public int historyLength() {
        guard.enter();
        try {
            return historyLength;
        } finally {
            guard.exit();
        }
    }

    /** {@return a copy of the token history} */
    public int[] history() {
        guard.enter();
        try {
            return Arrays.copyOf(history, historyLength);
        } finally {
            guard.exit();
        }
    }

    /** {@return how often a turn could not reuse the cache and the conversation was read again from the start} */
    public long restarts() {
        guard.enter();
        try {
            return restarts;
        } finally {
            guard.exit();
        }
    }

    /** {@return what the cache holds now} */
    public CacheStats stats() {
        guard.enter();
        try {
            return session.cacheStats();
        } finally {
            guard.exit();
        }
    }

    /**
     * Runs one turn: {@code conversation} is the whole conversation so far as tokens, ending with the prompt for
     * the answer (e.g. the chat template's generation prompt). The answer's tokens join the history, so the next
     * turn's rendering of the conversation reuses them.
     *
     * @param conversation the whole conversation as tokens, ending with the prompt for the answer
     * @param sampling     how the answer's tokens are chosen and when it stops
     * @param onText       receives the answer's text as it is completed
     * @param cancelled    polled before every token; true stops the answer there
     * @return the answer and what the turn reused and fed
     * @throws InvalidSettingException when a token is outside the vocabulary
     * @throws SessionBusyException    when another thread is inside this conversation
     */
    public Turn reply(int[] conversation, Sampling sampling, Consumer<String> onText, BooleanSupplier cancelled) {
        guard.enter();
        try {
            model.checkTokens(conversation);
            model.checkBias(sampling);
            int common = keepCommonPrefix(conversation);
            boolean restarted = restartedNow;
            int[] newTokens = Arrays.copyOfRange(conversation, common, conversation.length);
            Generator.Settings settings = sampling.engineSettings();
            session.makeRoom(newTokens.length + Math.max(0, settings.maxTokens()));
            Generation result = generator.generate(newTokens, settings, onText, cancelled, this::append);
            return new Turn(result, common, newTokens.length, restarted);
        } finally {
            guard.exit();
        }
    }

    /**
     * Rolls the session back to the longest prefix it shares with {@code conversation} or, when the cache no
     * longer holds that far back, starts it over (setting {@code restartedNow}); returns how many tokens it keeps.
     */
    private int keepCommonPrefix(int[] conversation) {
        int common = commonPrefix(conversation);
        if (common == conversation.length && common > 0) {
            // Everything was fed already (a retried request): the answer needs the logits after the
            // last prompt token, so that token is fed again.
            common--;
        }
        restartedNow = false;
        if (common < historyLength && !session.rollbackTo(common)) {
            session.reset();
            common = 0;
            restartedNow = true;
            restarts++;
        }
        historyLength = common;
        return common;
    }

    /**
     * Runs one turn with {@code n} answers to the same prompt (OpenAI's {@code n}): the prompt is prefilled once;
     * choice 0 is generated in this conversation's session with {@code sampling}'s seed and joins the history,
     * as {@link #reply(int[], Sampling, Consumer, BooleanSupplier)} would; choice i &gt; 0 is generated from a copy
     * of the prefilled cache with seed {@code seed + i} and then dropped. Each choice is thus what a single
     * {@code reply} with its seed gives. With {@link Sampling#logprobs()} of 0 or more, {@code listener} also
     * gets each generated token's log-probability.
     *
     * @param conversation the whole conversation as tokens, ending with the prompt for the answer
     * @param sampling     how the answers' tokens are chosen (seed: choice 0's) and when they stop
     * @param n            how many answers, 1 or more
     * @param listener     receives each choice's text and tokens, choice 0 first; polled for cancellation
     * @return one turn per choice, in order (the reused and prefilled counts are the shared prefill's)
     * @throws InvalidSettingException when a token (or a biased token) is outside the vocabulary, or n is below 1
     * @throws SessionBusyException    when another thread is inside this conversation
     */
    public List<Turn> reply(int[] conversation, Sampling sampling, int n, ChoiceListener listener) {
        guard.enter();
        try {
            if (n < 1) {
                throw new InvalidSettingException("n must be at least 1, got " + n);
            }
            model.checkTokens(conversation);
            model.checkBias(sampling);
            int common = keepCommonPrefix(conversation);
            boolean restarted = restartedNow;
            int[] newTokens = Arrays.copyOfRange(conversation, common, conversation.length);
            Generator.Settings settings = sampling.engineSettings();
            session.makeRoom(newTokens.length + Math.max(0, settings.maxTokens()));
            long start = System.nanoTime();
            session.feed(newTokens);
            for (int token : newTokens) {
                append(token);
            }
            long prefillNanos = System.nanoTime() - start;
            Session prefilled = n > 1 ? session.copy() : null;
            List<Turn> turns = new ArrayList<>(n);
            for (int choice = 0; choice < n; choice++) {
                int index = choice;
                Generator runner = generator;
                if (choice > 0) {
                    // The last choice may use the prefilled copy itself; the others copy it again.
                    runner = new Generator(choice == n - 1 ? prefilled : prefilled.copy(), model.tokenizer());
                }
                Generation result = runner.generateAfter(newTokens, prefillNanos,
                        choice == 0 ? settings : settings.withSeed(sampling.seed() + choice),
                        text -> listener.text(index, text), token -> listener.token(index, token),
                        () -> listener.cancelled(index), choice == 0 ? this::append : token -> { });
                turns.add(new Turn(result, common, newTokens.length, restarted));
            }
            return turns;
        } finally {
            guard.exit();
        }
    }

    /** Forgets the history and the cache. */
    public void reset() {
        guard.enter();
        try {
            session.reset();
            historyLength = 0;
        } finally {
            guard.exit();
        }
    }

    /** {@return the whole state (history and cache), for {@link StreamingModel#restoreConversation(byte[])}} */
    public byte[] snapshot() {
        guard.enter();
        try {
            return Snapshots.toBytes(Snapshots.Kind.CONVERSATION, model.info(), options, this::writeHistoryAndCache);
        } finally {
            guard.exit();
        }
    }

    /**
     * Writes {@link #snapshot()} to a stream without holding it all in memory.
     *
     * @param out where the snapshot goes; not closed
     * @throws java.io.UncheckedIOException when writing fails
     */
    public void writeSnapshot(OutputStream out) {
        guard.enter();
        try {
            Snapshots.write(out, Snapshots.Kind.CONVERSATION, model.info(), options, this::writeHistoryAndCache);
        } finally {
            guard.exit();
        }
    }

    private void writeHistoryAndCache(DataOutputStream out) throws IOException {
        out.writeInt(historyLength);
        for (int i = 0; i < historyLength; i++) {
            out.writeInt(history[i]);
        }
        out.writeLong(restarts);
        session.writeTo(out);
    }

    static Conversation restore(StreamingModel model, byte[] snapshot) {
        return Snapshots.read(snapshot, Snapshots.Kind.CONVERSATION, model.info(), (options, in) -> {
            Conversation restored = new Conversation(model, options);
            restored.readHistoryAndCache(in);
            return restored;
        });
    }

    private void readHistoryAndCache(DataInputStream in) throws IOException {
        int length = in.readInt();
        int available = in.available(); // checked before allocating, when the stream knows what is left
        if (length < 0 || (available > 0 && length > available / Integer.BYTES)) {
            throw new IOException("corrupt conversation snapshot: a history of " + length + " tokens");
        }
        int[] tokens = new int[Math.max(1024, length)];
        for (int i = 0; i < length; i++) {
            tokens[i] = in.readInt();
        }
        model.checkTokens(Arrays.copyOf(tokens, length));
        long restartCount = in.readLong();
        session.readFrom(in);
        history = tokens;
        historyLength = length;
        restarts = restartCount;
    }

    private int commonPrefix(int[] tokens) {
        int n = Math.min(historyLength, tokens.length);
        int i = 0;
        while (i < n && history[i] == tokens[i]) {
            i++;
        }
        return i;
    }

    private void append(int token) {
        if (historyLength == history.length) {
            history = Arrays.copyOf(history, history.length * 2);
        }
        history[historyLength++] = token;
    }
}
