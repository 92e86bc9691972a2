package io.streamllm.engine;

/**
 * How the next token is chosen from the logits.
 *
 * @param temperature        0 for greedy; otherwise logits are divided by it
 * @param topK               keep the K most likely tokens (0 = all)
 * @param topP               keep the smallest set of tokens whose probabilities sum to P (1 = all)
 * @param minP               drop tokens less likely than minP times the most likely one (0 = none)
 * @param repetitionPenalty  divide positive logits (multiply negative ones) of recent tokens by this (1 = off)
 * @param repetitionWindow   how many recent tokens the penalty looks at
 * @param seed               random seed
 * @param frequencyPenalty   subtracted from a token's logit once per time it was generated in this completion
 *                           (OpenAI's {@code frequency_penalty}; 0 = off)
 * @param presencePenalty    subtracted once from the logit of every token generated in this completion
 *                           (OpenAI's {@code presence_penalty}; 0 = off)
 */
public record SamplerSettings(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                              int repetitionWindow, long seed, float frequencyPenalty, float presencePenalty) {

    public SamplerSettings(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                           int repetitionWindow, long seed) {
        this(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, seed, 0f, 0f);
    }

    /** llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, no repetition penalty. */
    public static SamplerSettings defaults() {
        return new SamplerSettings(0.8f, 40, 0.95f, 0.05f, 1.0f, 64, System.nanoTime());
    }

    public static SamplerSettings greedy() {
        return new SamplerSettings(0f, 0, 1f, 0f, 1f, 64, 0);
    }

    public SamplerSettings {
        if (!(temperature >= 0)) {
            throw new IllegalArgumentException("temperature must be 0 or more, got " + temperature);
        }
        if (topK < 0) {
            throw new IllegalArgumentException("top-k must be 0 (off) or more, got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top-p must be in (0, 1], got " + topP);
        }
        if (!(minP >= 0 && minP < 1)) {
            throw new IllegalArgumentException("min-p must be in [0, 1), got " + minP);
        }
        if (!(repetitionPenalty > 0)) {
            throw new IllegalArgumentException("repetition penalty must be positive, got " + repetitionPenalty);
        }
        if (repetitionWindow < 0) {
            throw new IllegalArgumentException("repetition window must be 0 or more, got " + repetitionWindow);
        }
        if (!(Math.abs(frequencyPenalty) <= 2)) {
            throw new IllegalArgumentException("frequency penalty must be in [-2, 2], got " + frequencyPenalty);
        }
        if (!(Math.abs(presencePenalty) <= 2)) {
            throw new IllegalArgumentException("presence penalty must be in [-2, 2], got " + presencePenalty);
        }
    }

    /** These settings with OpenAI's frequency and presence penalties. */
    public SamplerSettings withPenalties(float frequency, float presence) {
        return new SamplerSettings(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, seed,
                frequency, presence);
    }

    public boolean isGreedy() {
        return temperature == 0;
    }
}
