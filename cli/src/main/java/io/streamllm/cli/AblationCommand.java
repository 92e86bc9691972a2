package io.streamllm.cli;

import io.streamllm.eval.Ablation;
import io.streamllm.eval.PolicyComparison;
import io.streamllm.eval.PolicyComparisonReport;
import io.streamllm.eval.PolicyResult;
import io.streamllm.eval.PolicyTemplates;
import io.streamllm.eval.RegisterLines;
import io.streamllm.eval.StreamEval;
import io.streamllm.eval.StreamEvalProtocol;
import io.streamllm.eval.StreamingPerplexity;
import io.streamllm.eval.TokenStream;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamllmException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.TreeSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ablation", mixinStandardHelpOptions = true,
        description = {"The paper's ablations in miniature, as markdown tables: perplexity for 0/1/2/4/8 attention"
                + " sinks at a fixed cache size (Table 2), and for several cache sizes with 4 sinks beside window"
                + " attention (Table 6).",
                "With --policies: one comparison of cache policies at an equal budget of N cache tokens (--budget)."
                + " Each policy reads the stream token by token (perplexity, median ms per decode step, KV bytes"
                + " allocated at the end) and StreamEval's register lines (the recall loss at each --recall-distances:"
                + " NLL of a fresh number minus NLL of the line's own number, in nats).",
                "Policy templates: the window is written * and gets what the budget leaves; a trailing * may be left"
                + " out. window = window:N, recompute = recompute:N, sink = sink:4:(N-4), sink:S = sink:S:(N-S),"
                + " h2o:S:H = h2o:S:H:(N-S-H), snapkv:S:K = snapkv:S:K:(N-S-K) (snapkv:S:K:*:O keeps O),"
                + " duo:S:R = duo:S:(N-S):R (R: fraction of retrieval heads, 0..1). dense and fully written specs"
                + " such as sink:4:252 are used as written."})
final class AblationCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    StreamOptions streamOptions;

    @Option(names = "--cache-size", defaultValue = "128", paramLabel = "C",
            description = "total cache of the sinks table: sink:S:(C-S) (default: ${DEFAULT-VALUE})")
    int cacheSize;

    @Option(names = "--sinks", defaultValue = "0,1,2,4,8", split = ",", paramLabel = "S",
            description = "sink counts of the sinks table; 0 is window:C (default: ${DEFAULT-VALUE})")
    List<Integer> sinks;

    @Option(names = "--cache-sizes", defaultValue = "32,64,128,256", split = ",", paramLabel = "C",
            description = "cache sizes of the cache-size table (default: ${DEFAULT-VALUE})")
    List<Integer> cacheSizes;

    @Option(names = "--policies", split = ",", paramLabel = "P",
            description = "compare these policies (templates or specs, see above) instead of printing Tables 2 and 6,"
                    + " e.g. dense,window,sink:4,recompute")
    List<String> policies;

    @Option(names = "--budget", defaultValue = "128", paramLabel = "N",
            description = "cache tokens every --policies template gets (default: ${DEFAULT-VALUE})")
    int budget;

    @Option(names = "--recall-lines", defaultValue = "40", paramLabel = "N",
            description = "StreamEval register lines read for the recall loss (default: ${DEFAULT-VALUE})")
    int recallLines;

    @Option(names = "--recall-every", defaultValue = "8", paramLabel = "L",
            description = "lines between recall queries (default: ${DEFAULT-VALUE})")
    int recallEvery;

    @Option(names = "--recall-distances", defaultValue = "2,6,16", split = ",", paramLabel = "D",
            description = "distances of the recall loss, in lines back; choose some inside and some beyond the"
                    + " budget (stderr tells how many lines it holds) (default: ${DEFAULT-VALUE})")
    List<Integer> recallDistances;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "seed of the register lines' numbers (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--fresh", defaultValue = "4", paramLabel = "F",
            description = "fresh numbers per recall query (default: ${DEFAULT-VALUE})")
    int fresh;

    @Option(names = "--md", paramLabel = "OUT.md", description = "the --policies table, also written to this file")
    Path md;

    @Option(names = "--csv", paramLabel = "OUT.csv", description = "the --policies figures, one row per policy")
    Path csv;

    @Option(names = "--plot", paramLabel = "OUT.png",
            description = "the --policies figures as bar charts: PPL, recall loss, ms/token, KV bytes")
    Path plot;

    @Override
    public Integer call() {
        if (policies != null) {
            return comparePolicies();
        }
        if (md != null || csv != null || plot != null) {
            throw new IllegalArgumentException("--md, --csv and --plot go with --policies");
        }
        Ablation ablation = new Ablation(cacheSize, sinks, cacheSizes);
        try (StreamingModel model = modelOptions.load()) {
            TokenStream stream = streamOptions.load(model);
            StreamingPerplexity evaluation = new StreamingPerplexity(model, stream.length());
            Map<String, PolicyResult> results = new LinkedHashMap<>();
            for (CachePolicy policy : ablation.policies()) {
                results.put(policy.spec(), PerplexityCommand.evaluateShowingProgress(evaluation,
                        SessionOptions.of(policy), stream, StreamingPerplexity.Listener.NONE));
            }
            System.out.printf("%s, first %,d tokens of %s%n%n%s", model.info().name(), stream.length(),
                    PerplexityCommand.fileName(stream), ablation.markdown(results));
        }
        return 0;
    }

    private int comparePolicies() {
        List<PolicyTemplates.Expanded> expanded = PolicyTemplates.expand(policies, budget);
        Map<PolicyTemplates.Expanded, CachePolicy> parsed = new LinkedHashMap<>();
        expanded.forEach(e -> parsed.put(e, CachePolicy.parse(e.spec()))); // refuses an unknown policy up front
        StreamEvalProtocol protocol = new StreamEvalProtocol(recallLines, recallEvery, new TreeSet<>(recallDistances));
        RegisterLines lines = new RegisterLines(recallLines, seed);
        StreamEval recall = new StreamEval(protocol, lines, fresh);
        try (StreamingModel model = modelOptions.load()) {
            TokenStream stream = streamOptions.load(model);
            int lineTokens = model.tokenizer().encode(lines.text(1), false, false).length;
            Console.status(String.format("a register line is %d tokens: a budget of %d tokens holds about %d lines",
                    lineTokens, budget, budget / lineTokens));
            warmUp(model, stream);
            PolicyComparison comparison = new PolicyComparison(model, stream, recall);
            List<PolicyComparison.Row> rows = new ArrayList<>();
            for (Map.Entry<PolicyTemplates.Expanded, CachePolicy> e : parsed.entrySet()) {
                String label = e.getValue().spec();
                Console.Progress tokens = new Console.Progress(label + " stream", stream.length(), "tok");
                Console.Progress[] recallBar = {null};
                rows.add(comparison.run(e.getKey(), SessionOptions.of(e.getValue()),
                        (index, nll, nanos, session) -> tokens.update(index + 1),
                        line -> {
                            if (recallBar[0] == null) {
                                tokens.done();
                                recallBar[0] = new Console.Progress(label + " recall", recallLines, "line");
                            }
                            recallBar[0].update(line);
                        }));
                recallBar[0].done();
            }
            PolicyComparisonReport report = new PolicyComparisonReport(rows);
            String title = model.info().name() + ", " + PerplexityCommand.fileName(stream);
            String text = String.format(Locale.ROOT, "%s: %,d tokens, a budget of %d cache tokens; recall loss (nats,"
                            + " ± standard error) over %d register lines (%d tokens each), seed %d%n%n%s",
                    title, stream.length(), budget, recallLines, lineTokens, seed, report.markdown());
            System.out.print(text);
            if (md != null) {
                write(md, text);
            }
            if (csv != null) {
                report.writeCsv(csv);
                Console.status("wrote " + csv);
            }
            if (plot != null) {
                report.writePlot(plot, title);
                Console.status("wrote " + plot);
            }
        }
        return 0;
    }

    /** A short run first, so that the first policy's ms/token is not the JIT compiler's. */
    private static void warmUp(StreamingModel model, TokenStream stream) {
        Console.status("warming up (JIT) on the first tokens of the stream");
        new StreamingPerplexity(model, 1).evaluate(SessionOptions.of(CachePolicy.sink(4, 28)), stream.limit(256),
                StreamingPerplexity.Listener.NONE);
    }

    private static void write(Path file, String text) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, text);
            Console.status("wrote " + file);
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
