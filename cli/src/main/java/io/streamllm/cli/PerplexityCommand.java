package io.streamllm.cli;

import io.streamllm.eval.PerplexityReport;
import io.streamllm.eval.PolicyResult;
import io.streamllm.eval.RunLog;
import io.streamllm.eval.StreamingPerplexity;
import io.streamllm.eval.TokenStream;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "perplexity", mixinStandardHelpOptions = true,
        description = "Perplexity of a long stream under KV cache policies, fed one token at a time after BOS as"
                + " StreamingLLM's eval_long_ppl.py does. Prints one JSON line per policy.")
final class PerplexityCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    StreamOptions streamOptions;

    @Option(names = "--cache", required = true, paramLabel = "POLICY",
            description = "dense, window:W, sink:S:W, recompute:W, h2o:S:H:W, snapkv:S:K:W[:O] or duo:S:W:R; repeat for several policies on the same stream")
    List<String> caches;

    @Option(names = "--segment", defaultValue = "256", paramLabel = "N",
            description = "tokens per segment of the CSV and the plot (default: ${DEFAULT-VALUE})")
    int segment;

    @Option(names = "--evict-chunk", defaultValue = "1", paramLabel = "K",
            description = "evict K tokens at once when the window is full (default: ${DEFAULT-VALUE}, as the paper)")
    int evictChunk;

    @Mixin
    KvTypeOption kvType;

    @Option(names = "--csv", paramLabel = "OUT.csv", description = "per-segment mean NLL of every policy")
    Path csv;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "log PPL against tokens, one line per policy")
    Path plot;

    @Option(names = "--log", paramLabel = "OUT.csv",
            description = "log time per token, RSS and KV cache size every --log-every tokens (for long runs)")
    Path log;

    @Option(names = "--log-every", defaultValue = "10000", paramLabel = "N",
            description = "tokens per row of --log (default: ${DEFAULT-VALUE})")
    int logEvery;

    @Option(names = "--log-plot", paramLabel = "OUT.png", description = "plot of the --log rows")
    Path logPlot;

    @Override
    public Integer call() {
        List<CachePolicy> policies = new ArrayList<>();
        for (String spec : new LinkedHashSet<>(caches)) {
            policies.add(CachePolicy.parse(spec));
        }
        if (logPlot != null && log == null) {
            throw new IllegalArgumentException("--log-plot needs --log");
        }
        List<SessionOptions> sessions = new ArrayList<>();
        for (CachePolicy policy : policies) {
            sessions.add(CacheOptions.sessionOptions(policy, SessionOptions.DEFAULT_PREFILL_CHUNK, evictChunk, kvType));
        }
        try (StreamingModel model = modelOptions.load()) {
            TokenStream stream = streamOptions.load(model);
            StreamingPerplexity evaluation = new StreamingPerplexity(model, segment);
            List<PolicyResult> results = new ArrayList<>();
            try (RunLog runLog = log == null ? null : new RunLog(log, logEvery)) {
                for (SessionOptions options : sessions) {
                    StreamingPerplexity.Listener logger = runLog == null ? StreamingPerplexity.Listener.NONE
                            : runLog.listener(options.policy().spec());
                    PolicyResult result = evaluateShowingProgress(evaluation, options, stream, logger);
                    results.add(result);
                    System.out.println(PerplexityReport.jsonLine(result));
                    System.out.flush();
                }
                if (runLog != null) {
                    reportDrift(runLog, policies);
                    if (logPlot != null) {
                        runLog.writePlot(logPlot, model.info().name() + ", " + fileName(stream));
                    }
                }
            }
            if (csv != null) {
                PerplexityReport.writeCsv(csv, results);
                Console.status("wrote " + csv);
            }
            if (plot != null) {
                PerplexityReport.writePlot(plot, model.info().name() + ": " + fileName(stream), results,
                        model.info().contextLength());
                Console.status("wrote " + plot);
            }
        }
        return 0;
    }

    /** Runs one policy over the stream with a progress bar (tokens/s, time left) on stderr. */
    static PolicyResult evaluateShowingProgress(StreamingPerplexity evaluation, SessionOptions options,
                                                TokenStream stream, StreamingPerplexity.Listener listener) {
        Console.Progress progress = new Console.Progress(options.policy().spec(), stream.length(), "tok");
        PolicyResult result = evaluation.evaluate(options, stream,
                listener.andThen((index, nll, nanos, session) -> progress.update(index + 1)));
        progress.done();
        return result;
    }

    private static void reportDrift(RunLog runLog, List<CachePolicy> policies) {
        for (CachePolicy policy : policies) {
            RunLog.Drift d = runLog.drift(policy.spec());
            Console.status(String.format("%s: first 10%%: %.3f ms/token, RSS %s; last 10%%: %.3f ms/token (%+.1f%%),"
                            + " RSS %s (%+.1f%%)", d.policy(), d.firstMs(), Console.bytes(d.firstRssBytes()), d.lastMs(),
                    100 * d.timeChange(), Console.bytes(d.lastRssBytes()), 100 * d.rssChange()));
        }
    }

    static String fileName(TokenStream stream) {
        Path name = Path.of(stream.source()).getFileName();
        return name == null ? stream.source() : name.toString();
    }
}
