package io.streamllm.api;

import io.streamllm.engine.Generator;
import io.streamllm.engine.SamplerSettings;

import java.util.List;

/**
 * How tokens are chosen and when generation stops. Immutable: every {@code with}-style method returns a
 * copy, so one instance can be shared by threads.
 *
 * <pre>{@code
 * Sampling.greedy().maxTokens(100)
 * Sampling.defaults().temperature(0.7f).topP(0.9f).seed(42).stopStrings(List.of("\n\n"))
 * }</pre>
 *
 * @param temperature       0 for greedy; otherwise logits are divided by it
 * @param topK              keep the K most likely tokens (0 = all)
 * @param topP              keep the smallest set of tokens whose probabilities sum to P (1 = all)
 * @param minP              drop tokens less likely than minP times the most likely one (0 = none)
 * @param repetitionPenalty divide positive logits (multiply negative ones) of recent tokens by this (1 = off)
 * @param repetitionWindow  how many recent tokens the repetition penalty looks at
 * @param frequencyPenalty  subtracted from a token's logit once per time it was generated (OpenAI's
 *                          {@code frequency_penalty}, in [-2, 2]; 0 = off)
 * @param presencePenalty   subtracted once from the logit of every token generated (OpenAI's
 *                          {@code presence_penalty}, in [-2, 2]; 0 = off)
 * @param seed              random seed of the sampler
 * @param maxTokens         tokens to generate at most; negative for no limit
 * @param stopStrings       texts that end the generation (not included in the output)
 * @param ignoreEndTokens   never sample end-of-generation tokens (benchmarks, endless streams)
 */
public record Sampling(float temperature, int topK, float topP, float minP, float repetitionPenalty,
                       int repetitionWindow, float frequencyPenalty, float presencePenalty, long seed,
                       int maxTokens, List<String> stopStrings, boolean ignoreEndTokens) {

    /** The default token budget: enough for a paragraph, never endless by accident. */
    public static final int DEFAULT_MAX_TOKENS = 256;

    /** Checks every setting; a bad one throws {@link IllegalArgumentException} naming it. */
    public Sampling {
        stopStrings = List.copyOf(stopStrings);
        engineSampler(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, seed, frequencyPenalty,
                presencePenalty);
    }

    /** {@return settings that always pick the most likely token: reproducible, the choice for tests and scoring} */
    public static Sampling greedy() {
        return new Sampling(0f, 0, 1f, 0f, 1f, 64, 0f, 0f, 0, DEFAULT_MAX_TOKENS, List.of(), false);
    }

    /** {@return llama.cpp's defaults: temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, a seed from the clock} */
    public static Sampling defaults() {
        return new Sampling(0.8f, 40, 0.95f, 0.05f, 1f, 64, 0f, 0f, System.nanoTime(), DEFAULT_MAX_TOKENS,
                List.of(), false);
    }

    /**
     * A copy with another temperature.
     *
     * @param value the temperature (0 = greedy)
     * @return the copy
     */
    public Sampling temperature(float value) {
        return new Sampling(value, topK, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another top-k.
     *
     * @param value K (0 = off)
     * @return the copy
     */
    public Sampling topK(int value) {
        return new Sampling(temperature, value, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another top-p.
     *
     * @param value P (1 = off)
     * @return the copy
     */
    public Sampling topP(float value) {
        return new Sampling(temperature, topK, value, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another min-p.
     *
     * @param value the fraction of the most likely token's probability (0 = off)
     * @return the copy
     */
    public Sampling minP(float value) {
        return new Sampling(temperature, topK, topP, value, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another repetition penalty.
     *
     * @param penalty the penalty (1 = off)
     * @param window  how many recent tokens it looks at
     * @return the copy
     */
    public Sampling repetitionPenalty(float penalty, int window) {
        return new Sampling(temperature, topK, topP, minP, penalty, window, frequencyPenalty, presencePenalty, seed,
                maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with OpenAI's frequency and presence penalties.
     *
     * @param frequency subtracted once per time a token was generated, in [-2, 2] (0 = off)
     * @param presence  subtracted once from every token generated, in [-2, 2] (0 = off)
     * @return the copy
     */
    public Sampling penalties(float frequency, float presence) {
        return new Sampling(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, frequency, presence,
                seed, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another random seed.
     *
     * @param value the seed
     * @return the copy
     */
    public Sampling seed(long value) {
        return new Sampling(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, value, maxTokens, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with another token budget.
     *
     * @param value tokens to generate at most (negative: no limit, the text is only streamed)
     * @return the copy
     */
    public Sampling maxTokens(int value) {
        return new Sampling(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, value, stopStrings, ignoreEndTokens);
    }

    /**
     * A copy with other stop strings.
     *
     * @param value texts that end the generation
     * @return the copy
     */
    public Sampling stopStrings(List<String> value) {
        return new Sampling(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, value, ignoreEndTokens);
    }

    /**
     * A copy that does or does not sample end-of-generation tokens.
     *
     * @param value true to never sample them
     * @return the copy
     */
    public Sampling ignoreEndTokens(boolean value) {
        return new Sampling(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, frequencyPenalty,
                presencePenalty, seed, maxTokens, stopStrings, value);
    }

    /** {@return whether this always picks the most likely token} */
    public boolean isGreedy() {
        return temperature == 0;
    }

    Generator.Settings engineSettings() {
        return new Generator.Settings(maxTokens, engineSampler(temperature, topK, topP, minP, repetitionPenalty,
                repetitionWindow, seed, frequencyPenalty, presencePenalty), stopStrings, ignoreEndTokens);
    }

    private static SamplerSettings engineSampler(float temperature, int topK, float topP, float minP,
                                                 float repetitionPenalty, int repetitionWindow, long seed,
                                                 float frequencyPenalty, float presencePenalty) {
        return new SamplerSettings(temperature, topK, topP, minP, repetitionPenalty, repetitionWindow, seed,
                frequencyPenalty, presencePenalty);
    }
}
