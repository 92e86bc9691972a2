package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.CacheStats;
import io.streamllm.api.Generation;
import io.streamllm.api.ModelInfo;
import io.streamllm.api.StopStrings;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.api.StreamllmException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates a continuation of a prompt, streamed to stdout as it is produced.")
final class GenerateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    SamplingOptions sampling;

    @Mixin
    CacheOptions cacheOptions;

    /** The text to continue (default: none, start after BOS). */
    @Mixin
    PromptOptions prompt;

    @Option(names = {"-n", "--n-predict"}, defaultValue = "256", paramLabel = "N",
            description = "tokens to generate; -1 for no limit, until an end token, a stop string or Ctrl-C (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--stop", paramLabel = "TEXT",
            description = "stop when the text contains TEXT (repeatable; the text of the model's end tokens always stops)")
    List<String> stopStrings = new ArrayList<>();

    @Option(names = "--ignore-eos", description = "never sample the model's end tokens (for benchmarks and endless streams)")
    boolean ignoreEos;

    @Override
    public Integer call() {
        if (maxTokens < -1) {
            throw new IllegalArgumentException("-n must be -1 (no limit) or 0 or more, got " + maxTokens);
        }
        String text = prompt.text("");
        try (StreamingModel model = modelOptions.load()) {
            int[] promptTokens = model.tokenizer().encode(text, true, false);
            long expected = maxTokens < 0 ? -1 : promptTokens.length + (long) maxTokens;
            CachePolicy policy = cacheOptions.policy(model.info(), expected);
            checkFits(model.info(), policy, expected, promptTokens.length);
            StreamingSession session = model.newSession(cacheOptions.sessionOptions(policy));
            Console.status("cache: " + policy.spec() + ", prompt: " + promptTokens.length + " tokens");

            Interrupt interrupt = Interrupt.install();
            Stdout out = new Stdout();
            List<String> stops = ignoreEos ? stopStrings : StopStrings.withModelEndTokens(stopStrings, model.tokenizer());
            Generation result = session.generate(promptTokens,
                    sampling.sampling().maxTokens(maxTokens).stopStrings(stops).ignoreEndTokens(ignoreEos),
                    out::print, () -> interrupt.requested() || out.closed());
            out.print(System.lineSeparator());
            if (out.closed()) {
                return Stdout.CLOSED_EXIT_CODE;
            }
            CacheStats cache = session.stats();
            Console.status(String.format(
                    "prompt: %d tokens in %.1f ms (%.1f tok/s) | generated: %d tokens in %.1f ms (%.1f tok/s) | stop: %s | cache: %d tokens, %d evicted, %s",
                    result.promptTokens(), result.prefillNanos() / 1e6, result.prefillTokensPerSecond(),
                    result.generatedTokens(), result.decodeNanos() / 1e6, result.decodeTokensPerSecond(),
                    result.stopReason().name().toLowerCase(), cache.size(), cache.evictedTokens(),
                    KvTypeOption.describe(cache)));
        }
        return 0;
    }

    /** A dense cache past the trained context degrades into garbage: refuse it up front. */
    private static void checkFits(ModelInfo model, CachePolicy policy, long expected, int promptTokens) {
        int context = model.contextLength();
        if (policy.windowTokens().isEmpty() && (expected < 0 || expected > context)) {
            throw new StreamllmException(String.format(
                    "the prompt (%d tokens) and the generation (%s) exceed the model's trained context of %d tokens under --cache dense;"
                            + " use a streaming cache such as --cache %s (the default)", promptTokens,
                    expected < 0 ? "no limit" : (expected - promptTokens) + " tokens", context,
                    CacheOptions.defaultStreamingPolicy(model).spec()));
        }
    }
}
