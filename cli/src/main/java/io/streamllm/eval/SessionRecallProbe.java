package io.streamllm.eval;

import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;

/**
 * A {@link RecallProbe} over one streaming session: each question is asked on a branch, the session's snapshot
 * restored afterwards, so that no query text enters the stream (a rollback would not do: under a bounded cache
 * the query's own tokens evict what a rollback needs).
 */
public final class SessionRecallProbe implements RecallProbe {
    private final StreamingModel model;
    private StreamingSession session;

    public SessionRecallProbe(StreamingModel model, SessionOptions options) {
        this.model = model;
        this.session = model.newSession(options);
    }

    @Override
    public void append(String text) {
        session.append(text);
    }

    @Override
    public String complete(String prompt, int maxTokens) {
        byte[] stream = session.snapshot();
        try {
            return session.generate(encode(prompt), Sampling.greedy().maxTokens(maxTokens), piece -> { },
                    () -> false).text();
        } finally {
            session = model.restoreSession(stream);
        }
    }

    @Override
    public double negativeLogLikelihood(String prompt, String continuation) {
        int[] promptTokens = encode(prompt);
        int[] tokens = encode(prompt + continuation);
        // Tokens from the first one that differs from the prompt's own encoding carry the continuation, a token
        // that merges the prompt's last characters with the continuation's first included.
        int shared = 0;
        while (shared < promptTokens.length && shared < tokens.length && promptTokens[shared] == tokens[shared]) {
            shared++;
        }
        byte[] stream = session.snapshot();
        try {
            // Restored, the session has no prediction for the first token, so score() reads it unscored and
            // the NLLs it reports belong to tokens 1, 2, ...
            session = model.restoreSession(stream);
            double[] nlls = new double[tokens.length];
            int[] next = {1};
            session.score(tokens, nll -> nlls[next[0]++] = nll);
            double sum = 0;
            for (int i = Math.max(1, shared); i < tokens.length; i++) {
                sum += nlls[i];
            }
            return sum;
        } finally {
            session = model.restoreSession(stream);
        }
    }

    private int[] encode(String text) {
        return model.tokenizer().encode(text, false, false);
    }
}
