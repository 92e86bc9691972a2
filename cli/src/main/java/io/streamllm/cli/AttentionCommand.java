package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.ModelInfo;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.eval.AttentionReport;
import io.streamllm.eval.AttentionStatistics;
import io.streamllm.eval.TokenStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Records the attention of a stream (BOS first) under a cache policy: writes heat maps of the"
                + " first tokens' attention (the paper's Figure 2), a CSV of each head's sink share against position,"
                + " and prints which heads are sink, local or retrieval-like heads. Reads the first 256 tokens unless"
                + " --max-tokens says otherwise.")
final class AttentionCommand implements Callable<Integer> {
    private static final int DEFAULT_MAX_TOKENS = 256;

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    StreamOptions streamOptions;

    @Option(names = "--cache", defaultValue = "dense", paramLabel = "POLICY",
            description = "dense, window:W, sink:S:W, recompute:W, h2o:S:H:W, snapkv:S:K:W[:O] or duo:S:W:R (default: ${DEFAULT-VALUE})")
    String cache;

    @Option(names = "--png", required = true, paramLabel = "OUT.png",
            description = "the heat maps of the chosen layers, in a grid in one PNG")
    Path png;

    @Option(names = "--csv", required = true, paramLabel = "OUT.csv",
            description = "layer,head,position,sink_share,local_share for every query")
    Path csv;

    @Option(names = "--layers", split = ",", paramLabel = "L,L",
            description = "layers to draw (default: all)")
    List<Integer> layers;

    @Option(names = "--heads", split = ",", paramLabel = "H,H",
            description = "heads averaged in the heat maps (default: all)")
    List<Integer> heads;

    @Option(names = "--span", defaultValue = "32", paramLabel = "N",
            description = "the heat maps show the first N queries and keys, summed over the chosen heads and divided"
                    + " by their number (default: ${DEFAULT-VALUE})")
    int span;

    @Option(names = "--sink-tokens", defaultValue = "1", paramLabel = "K",
            description = "the sink share is the mass on the first K tokens (default: ${DEFAULT-VALUE}: BOS)")
    int sinkTokens;

    @Option(names = "--local-tokens", defaultValue = "4", paramLabel = "R",
            description = "the local share is the mass on the query and the R-1 tokens before it (default: ${DEFAULT-VALUE})")
    int localTokens;

    @Option(names = "--sink-threshold", defaultValue = "0.5", paramLabel = "X",
            description = "a sink head's mean sink share is at least X (default: ${DEFAULT-VALUE})")
    double sinkThreshold;

    @Option(names = "--local-threshold", defaultValue = "0.5", paramLabel = "X",
            description = "a local head's mean local share is at least X (default: ${DEFAULT-VALUE})")
    double localThreshold;

    @Override
    public Integer call() {
        requirePositive("--span", span);
        requirePositive("--sink-tokens", sinkTokens);
        requirePositive("--local-tokens", localTokens);
        requireShare("--sink-threshold", sinkThreshold);
        requireShare("--local-threshold", localThreshold);
        CachePolicy policy = CachePolicy.parse(cache);
        if (streamOptions.maxTokens == null) {
            streamOptions.maxTokens = DEFAULT_MAX_TOKENS;
        }
        try (StreamingModel model = modelOptions.load()) {
            ModelInfo info = model.info();
            TokenStream stream = streamOptions.load(model);
            int[] tokens = withBos(stream.tokens(), model.tokenizer().specials().bos());
            if (tokens.length < 2) {
                throw new IllegalArgumentException("the stream is empty: " + stream.source());
            }
            List<Integer> mappedLayers = chosen("--layers", layers, info.layers());
            List<Integer> mappedHeads = chosen("--heads", heads, info.heads());
            AttentionStatistics stats = new AttentionStatistics(info.layers(), info.heads(), tokens.length, sinkTokens,
                    localTokens, mappedLayers, mappedHeads, span);
            StreamingSession session = model.newSession(policy);
            session.recordAttention(stats);
            session.append(tokens);
            session.recordAttention(null);

            AttentionReport.writeCsv(csv, stats);
            Console.status("wrote " + csv);
            AttentionReport.writeHeatMaps(png, info.name() + " " + policy.spec(), stats);
            Console.status("wrote " + png);
            System.out.printf("%s, %s, %d tokens of %s%n", info.name(), policy.spec(), tokens.length, stream.source());
            System.out.print(AttentionReport.summary(stats, sinkThreshold, localThreshold));
        }
        return 0;
    }

    /** The model's BOS token first (the first sink), when it has one. */
    private static int[] withBos(int[] tokens, int bos) {
        if (bos < 0) {
            return tokens;
        }
        int[] out = new int[tokens.length + 1];
        out[0] = bos;
        System.arraycopy(tokens, 0, out, 1, tokens.length);
        return out;
    }

    private static List<Integer> chosen(String option, List<Integer> given, int count) {
        if (given == null) {
            List<Integer> all = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                all.add(i);
            }
            return all;
        }
        for (int i : given) {
            if (i < 0 || i >= count) {
                throw new IllegalArgumentException(option + " " + i + " is outside 0.." + (count - 1));
            }
        }
        return List.copyOf(new LinkedHashSet<>(given));
    }

    private static void requirePositive(String option, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(option + " must be at least 1, got " + value);
        }
    }

    private static void requireShare(String option, double value) {
        if (!(value >= 0 && value <= 1)) {
            throw new IllegalArgumentException(option + " must be between 0 and 1, got " + value);
        }
    }
}
