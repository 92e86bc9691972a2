package io.streamllm.examples;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.CacheStats;
import io.streamllm.api.Generation;
import io.streamllm.api.Sampling;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;

import java.nio.file.Path;

/**
 * The public API end to end, as a user of the installed {@code streamllm-core} calls it: load a model, stream a
 * generation under a sink cache, score text, snapshot the session and restore it. Checks what it can check on any
 * model and exits with status 1, saying what went wrong, when a check fails.
 *
 * <p>Usage: {@code ApiExample MODEL} (a GGUF file or a Hugging Face directory).
 */
public final class ApiExample {
    private ApiExample() {
    }

    public static void main(String[] args) {
        if (args.length != 1) {
            System.err.println("usage: ApiExample MODEL (a GGUF file or a Hugging Face model directory)");
            System.exit(2);
        }
        try (StreamingModel model = StreamingModel.load(Path.of(args[0]))) {
            System.out.println("model: " + model + ", " + model.info().contextLength() + " positions trained, "
                    + model.threads() + " threads");
            StreamingSession session = model.newSession(CachePolicy.sink(4, 60));

            System.out.print("generate: Once upon a time");
            Generation story = session.generate("Once upon a time", Sampling.greedy().maxTokens(100),
                    System.out::print);
            System.out.println();
            check(story.generatedTokens() > 0 && !story.text().isBlank(), "the generation produced no text");

            double nll = session.score(" They played together all day.");
            check(Double.isFinite(nll) && nll > 0, "the score is not a positive number: " + nll);
            System.out.printf("score: %.3f nats per token, perplexity %.2f%n", nll, Math.exp(nll));

            CacheStats stats = session.stats();
            check(stats.evictedTokens() > 0 && stats.size() == stats.sinks() + stats.window(),
                    "the sink cache did not evict past its window: " + stats);
            System.out.println("stats: " + stats);

            byte[] snapshot = session.snapshot();
            StreamingSession restored = model.restoreSession(snapshot);
            check(restored.stats().equals(stats), "the restored session holds " + restored.stats());
            String original = session.generate(" The", Sampling.greedy().maxTokens(20), text -> { }).text();
            String again = restored.generate(" The", Sampling.greedy().maxTokens(20), text -> { }).text();
            check(original.equals(again), "the restored session went on with \"" + again + "\" instead of \""
                    + original + "\"");
            System.out.println("snapshot: " + snapshot.length + " bytes; the restored session goes on as the"
                    + " original:" + again);
        }
        System.out.println("ApiExample: OK");
    }

    private static void check(boolean condition, String problem) {
        if (!condition) {
            System.err.println("ApiExample: FAILED: " + problem);
            System.exit(1);
        }
    }
}
