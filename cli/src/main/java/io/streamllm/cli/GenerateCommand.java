package io.streamllm.cli;

import io.streamllm.api.Generation;
import io.streamllm.engine.StopStrings;
import io.streamllm.api.StreamllmException;
import io.streamllm.engine.Generator;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
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
        try (Model model = modelOptions.load()) {
            int[] promptTokens = model.tokenizer().encode(text, true, false);
            long expected = maxTokens < 0 ? -1 : promptTokens.length + (long) maxTokens;
            CachePolicy policy = cacheOptions.policy(model.config(), expected);
            checkFits(model, policy, expected, promptTokens.length);
            Session session = cacheOptions.newSession(model, policy);
            Console.status("cache: " + policy.spec() + ", prompt: " + promptTokens.length + " tokens");

            Interrupt interrupt = Interrupt.install();
            Stdout out = new Stdout();
            Generator.Settings settings = new Generator.Settings(maxTokens, sampling.settings(),
                    ignoreEos ? stopStrings : StopStrings.withModelEndTokens(stopStrings, model.tokenizer()), ignoreEos);
            Generation result = new Generator(session, model.tokenizer())
                    .generate(promptTokens, settings, out::print, () -> interrupt.requested() || out.closed());
            out.print(System.lineSeparator());
            if (out.closed()) {
                return Stdout.CLOSED_EXIT_CODE;
            }
            Console.status(String.format(
                    "prompt: %d tokens in %.1f ms (%.1f tok/s) | generated: %d tokens in %.1f ms (%.1f tok/s) | stop: %s | cache: %d tokens, %d evicted, %s",
                    result.promptTokens(), result.prefillNanos() / 1e6, result.prefillTokensPerSecond(),
                    result.generatedTokens(), result.decodeNanos() / 1e6, result.decodeTokensPerSecond(),
                    result.stopReason().name().toLowerCase(), session.cacheStats().size(), session.cacheStats().evictedTokens(),
                    KvTypeOption.describe(session.cacheStats())));
        }
        return 0;
    }

    /** A dense cache past the trained context degrades into garbage: refuse it up front. */
    private static void checkFits(Model model, CachePolicy policy, long expected, int promptTokens) {
        int context = model.config().contextLength();
        if (policy.windowTokens() == CachePolicy.UNBOUNDED && (expected < 0 || expected > context)) {
            throw new StreamllmException(String.format(
                    "the prompt (%d tokens) and the generation (%s) exceed the model's trained context of %d tokens under --cache dense;"
                            + " use a streaming cache such as --cache %s (the default)", promptTokens,
                    expected < 0 ? "no limit" : (expected - promptTokens) + " tokens", context,
                    CacheOptions.defaultStreamingPolicy(model.config()).spec()));
        }
    }
}
