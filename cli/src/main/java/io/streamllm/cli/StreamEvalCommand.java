package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.eval.RegisterLines;
import io.streamllm.eval.SessionRecallProbe;
import io.streamllm.eval.StreamEval;
import io.streamllm.eval.StreamEvalProtocol;
import io.streamllm.eval.StreamEvalReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;

@Command(name = "streameval", mixinStandardHelpOptions = true,
        description = "StreamingLLM's StreamEval: numbered lines 'line N: REGISTER_CONTENT is <number>' are streamed"
                + " in, and every few lines the model is asked for the number of the line d lines back, on a branch"
                + " that leaves the stream untouched. Reports, per policy and distance, the greedy answer's accuracy"
                + " and the recall loss: NLL of a fresh number minus NLL of the line's own number. Prints a markdown"
                + " table (accuracy / recall loss).")
final class StreamEvalCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--cache", paramLabel = "POLICY",
            defaultValue = "dense,window:160,sink:4:156,recompute:160", split = ",",
            description = "dense, window:W, sink:S:W, recompute:W, h2o:S:H:W, snapkv:S:K:W[:O] or duo:S:W:R; repeat for several (default: ${DEFAULT-VALUE})")
    List<String> caches;

    @Option(names = "--lines", defaultValue = "48", paramLabel = "N",
            description = "lines streamed in (default: ${DEFAULT-VALUE})")
    int lines;

    @Option(names = "--query-every", defaultValue = "4", paramLabel = "L",
            description = "lines between query points (default: ${DEFAULT-VALUE})")
    int queryEvery;

    @Option(names = "--distances", defaultValue = "1,2,3,4,6,8,12,16", split = ",", paramLabel = "D",
            description = "distances asked about, in lines back; 1 is the line just read (default: ${DEFAULT-VALUE})")
    List<Integer> distances;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "S",
            description = "seed of the random numbers (default: ${DEFAULT-VALUE})")
    long seed;

    @Option(names = "--fresh", defaultValue = "4", paramLabel = "F",
            description = "fresh random numbers scored per query as the recall loss's baseline (default: ${DEFAULT-VALUE})")
    int fresh;

    @Option(names = "--csv", required = true, paramLabel = "OUT.csv",
            description = "accuracy and recall loss per policy and distance")
    Path csv;

    @Option(names = "--plot", paramLabel = "OUT.png", description = "accuracy and recall loss against distance")
    Path plot;

    @Override
    public Integer call() {
        StreamEvalProtocol protocol = new StreamEvalProtocol(lines, queryEvery, new TreeSet<>(distances));
        List<CachePolicy> policies = caches.stream().map(CachePolicy::parse).distinct().toList();
        StreamEval eval = new StreamEval(protocol, new RegisterLines(lines, seed), fresh);
        try (StreamingModel model = modelOptions.load()) {
            Map<CachePolicy, List<StreamEval.DistanceResult>> results = new LinkedHashMap<>();
            for (CachePolicy policy : policies) {
                Console.Progress progress = new Console.Progress(policy.spec(), lines, "line");
                SessionRecallProbe probe = new SessionRecallProbe(model, SessionOptions.of(policy));
                results.put(policy, eval.run(probe, progress::update));
                progress.done();
            }
            StreamEvalReport report = new StreamEvalReport(results);
            report.writeCsv(csv);
            if (plot != null) {
                report.writePlot(plot);
            }
            System.out.printf("%s, %d lines, a query every %d lines, seed %d; cells: accuracy / recall loss ± standard error (nats)%n%n%s",
                    model.info().name(), lines, queryEvery, seed, report.markdown());
        }
        return 0;
    }
}
