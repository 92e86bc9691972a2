package io.streamllm.engine;

import java.util.Map;

/**
 * OpenAI's {@code logit_bias}: values added to the logits of chosen tokens before sampling. A bias of -100 or
 * less bans the token outright (its logit becomes -infinity), so that a ban holds at any temperature.
 */
public final class LogitBias {
    /** At or below this bias a token is banned. */
    public static final float BAN = -100f;
    /** No bias at all. */
    public static final LogitBias NONE = new LogitBias(new int[0], new float[0]);

    private final int[] tokens;
    private final float[] values;

    private LogitBias(int[] tokens, float[] values) {
        this.tokens = tokens;
        this.values = values;
    }

    /** The bias of {@code byToken} (token id to bias). */
    public static LogitBias of(Map<Integer, Float> byToken) {
        if (byToken.isEmpty()) {
            return NONE;
        }
        int[] tokens = new int[byToken.size()];
        float[] values = new float[byToken.size()];
        int i = 0;
        for (Map.Entry<Integer, Float> entry : byToken.entrySet()) {
            tokens[i] = entry.getKey();
            values[i++] = entry.getValue();
        }
        return new LogitBias(tokens, values);
    }

    public boolean isEmpty() {
        return tokens.length == 0;
    }

    /** Adds the bias to {@code logits} in place. */
    public void apply(float[] logits) {
        for (int i = 0; i < tokens.length; i++) {
            logits[tokens[i]] = values[i] <= BAN ? Float.NEGATIVE_INFINITY : logits[tokens[i]] + values[i];
        }
    }
}
