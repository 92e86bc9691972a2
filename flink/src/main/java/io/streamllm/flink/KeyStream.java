package io.streamllm.flink;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.Generation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;

import java.util.Arrays;

/**
 * One record's step of a key's stream, apart from Flink: from the key's state before it to the state after it,
 * with its score and, on request, its continuation.
 *
 * <p>The last token of the stream is kept out of the cache ({@link KeyState#pending()}) because a restored session
 * has no prediction for its next token: feeding the previous record's last token after the restore yields the
 * prediction of this record's first token, so every token after the first of a stream is scored. Each step starts
 * from the saved state alone, so a record replayed after a failure meets exactly the state it met the first time.
 */
final class KeyStream {
    private final StreamingModel model;
    private final SessionOptions sessionOptions;
    private final int capacity;
    private final long seed;

    KeyStream(StreamingModel model, ScorerSettings settings) {
        this.model = model;
        CachePolicy policy = settings.policy(model.info());
        this.sessionOptions = SessionOptions.of(policy);
        this.capacity = ScorerSettings.capacity(policy, model.info());
        this.seed = settings.seed();
    }

    /**
     * The result of one record.
     *
     * @param state        the key's state after it
     * @param scored       how many of its tokens were scored
     * @param meanNll      their mean negative log-likelihood in nats, NaN when none was
     * @param continuation the generated continuation, or null when none was asked for
     */
    record Step(KeyState state, int scored, double meanNll, String continuation) {
    }

    /**
     * Appends {@code text} to the key's stream and scores it.
     *
     * @param before   the key's state, null for a key not seen yet
     * @param text     the record's text
     * @param generate tokens to generate after it, 0 for none
     * @return the new state, the score and the continuation
     * @throws IllegalArgumentException when the text has no tokens or more than the cache holds
     */
    Step step(KeyState before, String text, int generate) {
        int[] tokens = model.tokenizer().encode(text, before == null, false);
        if (tokens.length == 0) {
            throw new IllegalArgumentException("the text has no tokens");
        }
        if (tokens.length > capacity) {
            throw new IllegalArgumentException("record longer than the cache: " + tokens.length
                    + " tokens, the cache holds " + capacity);
        }
        StreamingSession session = before == null
                ? model.newSession(sessionOptions)
                : model.restoreSession(before.snapshot());
        int[] held = before == null ? new int[0] : before.pending();
        int[] all = Arrays.copyOf(held, held.length + tokens.length);
        System.arraycopy(tokens, 0, all, held.length, tokens.length);

        // The first token is fed unscored (nothing in a new or restored session predicts it); the last is scored
        // but kept out of the cache, for the next record to feed.
        double[] sum = {0};
        int[] scored = {0};
        session.score(Arrays.copyOf(all, all.length - 1), nll -> {
            sum[0] += nll;
            scored[0]++;
        });
        int last = all[all.length - 1];
        if (all.length >= 2) {
            sum[0] += session.negativeLogLikelihood(last);
            scored[0]++;
        }
        KeyState after = new KeyState(session.snapshot(), (before == null ? 0 : before.tokens()) + tokens.length,
                new int[] {last});
        String continuation = null;
        if (generate > 0) {
            // On the session past the saved snapshot: the continuation does not become part of the key's stream.
            Generation generation = session.generate(new int[] {last},
                    Sampling.defaults().seed(seed).maxTokens(generate), piece -> { }, () -> false);
            continuation = generation.text();
        }
        return new Step(after, scored[0], scored[0] == 0 ? Double.NaN : sum[0] / scored[0], continuation);
    }
}
