package io.streamllm.engine;

import io.streamllm.api.Generation;
import io.streamllm.api.StopReason;
import io.streamllm.api.TokenLogprob;
import io.streamllm.structured.ConstrainedDecoder;
import io.streamllm.structured.Grammar;
import io.streamllm.structured.TokenTrie;

import io.streamllm.tokenizer.TokenDecoder;
import io.streamllm.api.Tokenizer;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * Generates text in a {@link Session}: feeds the prompt, then samples, feeds and decodes one token
 * at a time, streaming text to a callback as soon as it is complete, until an end-of-generation
 * token, a stop string, the token budget or cancellation.
 */
public final class Generator {

    /**
     * @param maxTokens      tokens to generate at most; negative for no limit
     * @param stopStrings    texts that end the generation (not included in the output)
     * @param ignoreEndTokens never sample end-of-generation tokens (benchmarks, endless streams)
     * @param bias           added to the logits before sampling
     * @param logprobs       -1: no log-probabilities; k >= 0: each generated token's, with its k best alternatives
     * @param constraint     the grammar the output must follow, or null
     */
    public record Settings(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean ignoreEndTokens,
                           LogitBias bias, int logprobs, Grammar constraint) {
        public Settings {
            stopStrings = List.copyOf(stopStrings);
        }

        public Settings(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean ignoreEndTokens) {
            this(maxTokens, sampler, stopStrings, ignoreEndTokens, LogitBias.NONE, -1, null);
        }

        public Settings(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean ignoreEndTokens,
                        LogitBias bias, int logprobs) {
            this(maxTokens, sampler, stopStrings, ignoreEndTokens, bias, logprobs, null);
        }

        public Settings(int maxTokens, SamplerSettings sampler, List<String> stopStrings, boolean ignoreEndTokens,
                        Grammar constraint) {
            this(maxTokens, sampler, stopStrings, ignoreEndTokens, LogitBias.NONE, -1, constraint);
        }

        public Settings(int maxTokens, SamplerSettings sampler, List<String> stopStrings) {
            this(maxTokens, sampler, stopStrings, false);
        }

        /** These settings with another seed (the choices of one request after the first). */
        public Settings withSeed(long seed) {
            SamplerSettings s = sampler;
            return new Settings(maxTokens, new SamplerSettings(s.temperature(), s.topK(), s.topP(), s.minP(),
                    s.repetitionPenalty(), s.repetitionWindow(), seed, s.frequencyPenalty(), s.presencePenalty()),
                    stopStrings, ignoreEndTokens, bias, logprobs);
        }
    }

    private final Session session;
    private final Tokenizer tokenizer;
    private final int[] endTokens;
    private Sampler sampler; // reused by later generations: its buffers are the size of the vocabulary
    private float[] rawLogits; // the logits before any sampling transform, kept only when logprobs are asked for
    private TokenScores scores;

    public Generator(Session session, Tokenizer tokenizer) {
        this.session = session;
        this.tokenizer = tokenizer;
        this.endTokens = tokenizer.specials().endOfGeneration().stream().mapToInt(Integer::intValue).toArray();
    }

    public Session session() {
        return session;
    }

    /**
     * Feeds {@code prompt} and generates.
     *
     * @param onText    receives text as it is produced (never a partial stop string)
     * @param cancelled polled before every token
     */
    public Generation generate(int[] prompt, Settings settings, Consumer<String> onText, BooleanSupplier cancelled) {
        return generate(prompt, settings, onText, cancelled, token -> { });
    }

    /**
     * As {@link #generate(int[], Settings, Consumer, BooleanSupplier)}, also telling {@code fed} every
     * token that enters the session (the prompt, then each generated token but a final end token).
     */
    public Generation generate(int[] prompt, Settings settings, Consumer<String> onText, BooleanSupplier cancelled,
                           IntConsumer fed) {
        return generate(prompt, settings, onText, null, cancelled, fed);
    }

    /**
     * As {@link #generate(int[], Settings, Consumer, BooleanSupplier, IntConsumer)}, also telling {@code onToken}
     * (when not null and {@link Settings#logprobs()} is 0 or more) each generated token's log-probability, before
     * its text.
     */
    public Generation generate(int[] prompt, Settings settings, Consumer<String> onText,
                               Consumer<TokenLogprob> onToken, BooleanSupplier cancelled, IntConsumer fed) {
        long start = System.nanoTime();
        session.feed(prompt);
        for (int token : prompt) {
            fed.accept(token);
        }
        return generateAfter(prompt, System.nanoTime() - start, settings, onText, onToken, cancelled, fed);
    }

    /**
     * Generates from a session that was already fed {@code prompt} (its logits are those after it): the second
     * half of {@link #generate}, which a copy of a prefilled session runs on its own.
     *
     * @param prefillNanos what feeding the prompt took, for the timings
     */
    public Generation generateAfter(int[] prompt, long prefillNanos, Settings settings, Consumer<String> onText,
                                    Consumer<TokenLogprob> onToken, BooleanSupplier cancelled, IntConsumer fed) {
        long prefillEnd = System.nanoTime();
        float[] logits = session.logits();
        boolean reporting = onToken != null && settings.logprobs() >= 0;
        if (reporting && rawLogits == null) {
            rawLogits = new float[logits.length];
            scores = new TokenScores();
        }

        if (sampler == null) {
            sampler = new Sampler(settings.sampler(), logits.length);
        } else {
            sampler.restart(settings.sampler());
        }
        for (int token : prompt) {
            sampler.acceptPrompt(token);
        }
        boolean startsText = !hasText(prompt);
        TokenDecoder decoder = new TokenDecoder(tokenizer, startsText);
        ConstrainedDecoder constraint = settings.constraint() == null ? null
                : new ConstrainedDecoder(settings.constraint(), TokenTrie.of(tokenizer), endTokens,
                        startsText && tokenizer.stripsLeadingSpace());
        StopStringFilter stops = new StopStringFilter(settings.stopStrings());
        StringBuilder text = new StringBuilder();
        boolean keepText = settings.maxTokens() >= 0;
        Consumer<String> emit = piece -> {
            if (!piece.isEmpty()) {
                if (keepText) {
                    text.append(piece);
                }
                onText.accept(piece);
            }
        };

        int generated = 0;
        StopReason reason = StopReason.MAX_TOKENS;
        while (settings.maxTokens() < 0 || generated < settings.maxTokens()) {
            if (cancelled.getAsBoolean()) {
                reason = StopReason.CANCELLED;
                break;
            }
            if (constraint != null) {
                if (constraint.finished()) {
                    reason = StopReason.END_OF_GENERATION; // the document is complete and nothing may follow
                    break;
                }
            }
            if (reporting) {
                System.arraycopy(logits, 0, rawLogits, 0, logits.length);
            }
            if (!settings.bias().isEmpty()) {
                settings.bias().apply(logits);
            }
            if (constraint != null) {
                int remaining = settings.maxTokens() < 0 ? -1 : settings.maxTokens() - generated;
                ConstrainedDecoder.apply(logits, constraint.allowed(remaining));
            }
            if (settings.ignoreEndTokens()) {
                for (int end : endTokens) {
                    logits[end] = Float.NEGATIVE_INFINITY;
                }
            }
            int token = sampler.sample(logits);
            if (constraint != null && logits[token] == Float.NEGATIVE_INFINITY) {
                reason = StopReason.END_OF_GENERATION; // nothing allowed: the vocabulary cannot spell the document on
                break;
            }
            if (constraint != null) {
                constraint.accept(token);
            }
            if (isEndToken(token)) {
                reason = StopReason.END_OF_GENERATION;
                break;
            }
            generated++;
            sampler.accept(token);
            if (reporting) {
                onToken.accept(scores.describe(rawLogits, token, settings.logprobs()));
            }
            emit.accept(stops.accept(decoder.append(token)));
            if (stops.stopped()) {
                reason = StopReason.STOP_STRING;
                break;
            }
            logits = session.feed(token);
            fed.accept(token);
        }
        if (!stops.stopped()) {
            emit.accept(stops.accept(decoder.flush()));
            emit.accept(stops.flush());
        }
        return new Generation(text.toString(), prompt.length, generated, reason, prefillNanos,
                System.nanoTime() - prefillEnd);
    }

    private boolean isEndToken(int token) {
        for (int end : endTokens) {
            if (end == token) {
                return true;
            }
        }
        return false;
    }

    /** Whether any prompt token stands for text (not just BOS or other control tokens). */
    private boolean hasText(int[] prompt) {
        for (int token : prompt) {
            if (tokenizer.decodeBytes(token).length > 0) {
                return true;
            }
        }
        return false;
    }
}
