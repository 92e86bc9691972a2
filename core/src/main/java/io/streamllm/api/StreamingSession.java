package io.streamllm.api;

import io.streamllm.engine.Generator;
import io.streamllm.engine.LogProbabilities;
import io.streamllm.engine.Session;
import io.streamllm.engine.TokenScores;

import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.DoubleConsumer;

/**
 * One endless stream of tokens through a model, with its own KV cache: feed text, generate, score.
 * Under a sink cache it runs for ever at constant memory and constant time per token.
 *
 * <p>Thread-safety: a session is used by one thread at a time; a second thread calling in while the first
 * is inside gets a {@link SessionBusyException}. Many sessions may share one {@link StreamingModel}.
 * Nothing outside the session can change its cache: rollback, making room and reading statistics are
 * methods of the session.
 */
public final class StreamingSession {
    private final StreamingModel model;
    private final SessionOptions options;
    private final Session session;
    private final Generator generator;
    private final SingleThreadGuard guard = new SingleThreadGuard();

    StreamingSession(StreamingModel model, SessionOptions options) {
        this(model, options, model.engineSession(options));
    }

    private StreamingSession(StreamingModel model, SessionOptions options, Session session) {
        this.model = model;
        this.options = options;
        this.session = session;
        this.generator = new Generator(session, model.tokenizer());
    }

    /** {@return the model this session runs} */
    public StreamingModel model() {
        return model;
    }

    /** {@return the options the session was opened with} */
    public SessionOptions options() {
        return options;
    }

    /** {@return what the cache keeps} */
    public CachePolicy policy() {
        return options.policy();
    }

    /**
     * Feeds {@code prompt} (with the model's BOS token first when the session is empty) and generates from it,
     * streaming the text to {@code onText} as it is completed.
     *
     * @param prompt   plain text; special-token text in it stays text
     * @param sampling how tokens are chosen and when generation stops
     * @param onText   receives the generated text as it is completed
     * @return the text (under a token limit), the token counts, why it stopped and the timings
     */
    public Generation generate(String prompt, Sampling sampling, Consumer<String> onText) {
        return generate(encode(prompt), sampling, onText, () -> false);
    }

    /**
     * Feeds {@code promptTokens} and generates until an end-of-generation token, a stop string, the token budget
     * or {@code cancelled} (polled before every token).
     *
     * @param promptTokens token ids to feed first; may be empty when the session has just fed or generated
     * @param sampling     how tokens are chosen and when generation stops
     * @param onText       receives the generated text as it is completed
     * @param cancelled    polled before every token; true stops the generation there
     * @return the text (under a token limit), the token counts, why it stopped and the timings
     * @throws InvalidSettingException when a token is outside the vocabulary, or there is nothing to generate from
     */
    public Generation generate(int[] promptTokens, Sampling sampling, Consumer<String> onText,
                               BooleanSupplier cancelled) {
        return generate(promptTokens, sampling, onText, null, cancelled);
    }

    /**
     * As {@link #generate(int[], Sampling, Consumer, BooleanSupplier)}, also sending each generated token's
     * log-probability to {@code onToken} (before its text) when {@link Sampling#logprobs()} is 0 or more. An end
     * token that stops the generation is not reported, nor counted.
     *
     * @param promptTokens token ids to feed first; may be empty when the session has just fed or generated
     * @param sampling     how tokens are chosen and when generation stops
     * @param onText       receives the generated text as it is completed
     * @param onToken      receives each generated token's {@link TokenLogprob}; null for none
     * @param cancelled    polled before every token; true stops the generation there
     * @return the text (under a token limit), the token counts, why it stopped and the timings
     * @throws InvalidSettingException when a token (or a biased token) is outside the vocabulary, or there is
     *                                 nothing to generate from
     */
    public Generation generate(int[] promptTokens, Sampling sampling, Consumer<String> onText,
                               Consumer<TokenLogprob> onToken, BooleanSupplier cancelled) {
        guard.enter();
        try {
            model.checkTokens(promptTokens);
            model.checkBias(sampling);
            if (promptTokens.length == 0 && !session.logitsCurrent()) {
                throw new InvalidSettingException(session.tokensSeen() == 0
                        ? "nothing to generate from: the prompt is empty and so is the session"
                        : "after a rollback or a restore, generation needs at least one prompt token: the"
                        + " prediction after the last token kept is not stored");
            }
            return generator.generate(promptTokens, sampling.engineSettings(), onText, onToken, cancelled, token -> { });
        } finally {
            guard.exit();
        }
    }

    /**
     * Sends the attention of every token fed or generated from now on to {@code recorder}: for each layer, head
     * and query, the softmax weights over the tokens the cache held for it, with their stream positions (under a
     * sink cache: the sinks and the window). Under {@code recompute:W} it is the attention of each new token in
     * the re-encoded window. A session without a recorder pays nothing for this.
     *
     * @param recorder receives the weights on the feeding thread; null stops recording
     */
    public void recordAttention(AttentionRecorder recorder) {
        guard.enter();
        try {
            session.observeAttention(recorder == null ? null
                    : (layer, head, query, weights, offset, keyPositions, keys) -> recorder.record(new AttentionWeights(
                    layer, head, query, Arrays.copyOf(keyPositions, keys), Arrays.copyOfRange(weights, offset, offset + keys))));
        } finally {
            guard.exit();
        }
    }

    /**
     * Feeds text without generating (with the model's BOS token first when the session is empty).
     *
     * @param text plain text; special-token text in it stays text
     */
    public void append(String text) {
        append(encode(text));
    }

    /**
     * Feeds tokens without generating.
     *
     * @param tokens token ids of the model's vocabulary
     * @throws InvalidSettingException when a token is outside the vocabulary
     */
    public void append(int[] tokens) {
        guard.enter();
        try {
            model.checkTokens(tokens);
            session.feed(tokens);
        } finally {
            guard.exit();
        }
    }

    /**
     * Feeds one token without generating, allocating nothing: the step of a benchmark or an evaluation that
     * walks a stream token by token.
     *
     * @param token the token id
     */
    public void append(int token) {
        guard.enter();
        try {
            model.checkToken(token);
            session.feed(token);
        } finally {
            guard.exit();
        }
    }

    /**
     * How unlikely {@code token} is as the next token: -log p(token | the stream so far), in nats, without feeding
     * it. Allocates nothing, so that an evaluation can score a stream token by token, timing each
     * {@link #append(int)} on its own.
     *
     * @param token the token id
     * @return its negative log-likelihood in nats
     *
     * @throws InvalidSettingException when nothing predicts the next token: the session is empty, or was rolled
     *                                 back or restored and has not been fed since
     */
    public double negativeLogLikelihood(int token) {
        guard.enter();
        try {
            model.checkToken(token);
            if (!session.logitsCurrent()) {
                throw new InvalidSettingException("nothing predicts the next token yet: feed a token first"
                        + " (the session is empty, or the prediction was dropped by a rollback or a restore)");
            }
            return LogProbabilities.negativeLogLikelihood(session.logits(), token);
        } finally {
            guard.exit();
        }
    }

    /**
     * Streaming perplexity: feeds {@code text} and returns the mean negative log-likelihood, in nats per token,
     * of its tokens given everything the session saw before ({@code Math.exp} of it is the perplexity).
     * The first token of an empty session (its BOS token, when the model has one) is not scored: nothing predicted
     * it. Nor is the first token after a rollback or a restore, whose prediction is not kept.
     *
     * @param text plain text to feed and score
     * @return the mean negative log-likelihood in nats per token, NaN when no token was scored
     */
    public double score(String text) {
        return score(encode(text), nll -> { });
    }

    /**
     * As {@link #score(String)} for tokens, also telling {@code perToken} the negative log-likelihood of each
     * token scored, in order.
     *
     * @param tokens   token ids to feed and score
     * @param perToken receives each scored token's negative log-likelihood, in nats
     * @return the mean negative log-likelihood in nats per token, NaN when no token was scored
     * @throws InvalidSettingException when a token is outside the vocabulary
     */
    public double score(int[] tokens, DoubleConsumer perToken) {
        guard.enter();
        try {
            model.checkTokens(tokens);
            int i = 0;
            float[] logits = session.logits();
            if (!session.logitsCurrent() && tokens.length > 0) { // nothing predicted the first token
                logits = session.feed(tokens[0]);
                i = 1;
            }
            double sum = 0;
            int scored = 0;
            for (; i < tokens.length; i++) {
                double nll = LogProbabilities.negativeLogLikelihood(logits, tokens[i]);
                perToken.accept(nll);
                sum += nll;
                scored++;
                logits = session.feed(tokens[i]);
            }
            return scored == 0 ? Double.NaN : sum / scored;
        } finally {
            guard.exit();
        }
    }

    /**
     * As {@link #score(int[], DoubleConsumer)}, reporting each scored token as a {@link TokenLogprob} with the
     * {@code alternatives} most likely tokens at its place (the prompt log-probabilities of OpenAI's {@code echo}).
     * The first token of an empty session, or after a rollback or a restore, is fed without a report: nothing
     * predicted it.
     *
     * @param tokens       token ids to feed and score
     * @param alternatives how many of the most likely tokens to list per token (0 or more)
     * @param perToken     receives each scored token's log-probability, in order
     * @return how many tokens were scored (the tokens fed, or one fewer)
     * @throws InvalidSettingException when a token is outside the vocabulary, or alternatives is negative
     */
    public int scoreTokens(int[] tokens, int alternatives, Consumer<TokenLogprob> perToken) {
        guard.enter();
        try {
            model.checkTokens(tokens);
            if (alternatives < 0) {
                throw new InvalidSettingException("alternatives must be 0 or more, got " + alternatives);
            }
            TokenScores scores = new TokenScores();
            int i = 0;
            float[] logits = session.logits();
            if (!session.logitsCurrent() && tokens.length > 0) {
                logits = session.feed(tokens[0]);
                i = 1;
            }
            int scored = 0;
            for (; i < tokens.length; i++) {
                perToken.accept(scores.describe(logits, tokens[i], alternatives));
                scored++;
                logits = session.feed(tokens[i]);
            }
            return scored;
        } finally {
            guard.exit();
        }
    }

    /**
     * A copy of this session that goes on on its own: the same cache, stream position and next-token prediction,
     * under the same options. Generating in both from here, with the same sampling, gives the same text; OpenAI's
     * {@code n} samples its choices this way from one prefilled prompt (seeds seed, seed + 1, ...). The cache is
     * copied whole (as a snapshot would be).
     *
     * @return the copy, a new session
     */
    public StreamingSession fork() {
        guard.enter();
        try {
            return new StreamingSession(model, options, session.copy());
        } finally {
            guard.exit();
        }
    }

    /** {@return the tokens fed so far (rolled-back ones not counted)} */
    public long tokensSeen() {
        guard.enter();
        try {
            return session.tokensSeen();
        } finally {
            guard.exit();
        }
    }

    /** {@return what the cache holds now: a copy, read at this moment} */
    public CacheStats stats() {
        guard.enter();
        try {
            return session.cacheStats();
        } finally {
            guard.exit();
        }
    }

    /**
     * Forgets the tokens from {@code position} on.
     *
     * @param position how many tokens of the stream to keep
     * @return false, changing nothing, when the tokens before {@code position} are no longer held (evicted, or
     *         re-encoding would need tokens the window has dropped)
     */
    public boolean rollbackTo(long position) {
        guard.enter();
        try {
            return position >= 0 && session.rollbackTo(position);
        } finally {
            guard.exit();
        }
    }

    /**
     * Evicts ahead so that more tokens fit without evicting (before a reply that must not evict mid-way).
     *
     * @param tokens tokens that must fit next
     */
    public void makeRoom(int tokens) {
        guard.enter();
        try {
            session.makeRoom(Math.max(0, tokens));
        } finally {
            guard.exit();
        }
    }

    /** Starts over with an empty stream. */
    public void reset() {
        guard.enter();
        try {
            session.reset();
        } finally {
            guard.exit();
        }
    }

    /** {@return the whole state of the stream, for {@link StreamingModel#restoreSession(byte[])}} */
    public byte[] snapshot() {
        guard.enter();
        try {
            return Snapshots.toBytes(Snapshots.Kind.SESSION, model.info(), options, session::writeTo);
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
            Snapshots.write(out, Snapshots.Kind.SESSION, model.info(), options, session::writeTo);
        } finally {
            guard.exit();
        }
    }

    static StreamingSession restore(StreamingModel model, byte[] snapshot) {
        return Snapshots.read(snapshot, Snapshots.Kind.SESSION, model.info(), (options, in) -> {
            StreamingSession restored = new StreamingSession(model, options);
            restored.session.readFrom(in);
            return restored;
        });
    }

    private int[] encode(String text) {
        guard.enter();
        try {
            return model.tokenizer().encode(text, session.tokensSeen() == 0, false);
        } finally {
            guard.exit();
        }
    }
}
