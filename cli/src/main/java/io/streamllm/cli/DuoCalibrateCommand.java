package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.DuoCalibration;
import io.streamllm.api.ModelInfo;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.eval.AttentionStatistics;
import io.streamllm.eval.TokenStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "duo-calibrate", mixinStandardHelpOptions = true,
        description = "Finds the retrieval heads of a model for the duo:S:W:R cache policy (DuoAttention): streams a"
                + " text through a dense cache, scores every KV head by the attention its queries give beyond the"
                + " first sink tokens and their local tokens (one minus the sink and local shares of `streamllm"
                + " attention`), and saves the scores beside the model as MODEL.duo.json, where sessions find them.")
final class DuoCalibrateCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    @Mixin
    StreamOptions streamOptions;

    @Option(names = "--sink-tokens", defaultValue = "4", paramLabel = "S",
            description = "first tokens counted as sinks (default: ${DEFAULT-VALUE})")
    int sinkTokens;

    @Option(names = "--local-tokens", defaultValue = "32", paramLabel = "L",
            description = "tokens before each query, itself included, counted as local (default: ${DEFAULT-VALUE})")
    int localTokens;

    @Option(names = "--share", defaultValue = "0.5", paramLabel = "R",
            description = "share of retrieval heads marked in the summary (default: ${DEFAULT-VALUE})")
    double share;

    @Option(names = "--out", paramLabel = "FILE.json",
            description = "where to save the calibration (default: MODEL.duo.json beside the model)")
    Path out;

    @Override
    public Integer call() {
        if (sinkTokens < 0 || localTokens < 1) {
            throw new IllegalArgumentException("--sink-tokens must be 0 or more and --local-tokens at least 1");
        }
        if (!(share >= 0 && share <= 1)) {
            throw new IllegalArgumentException("--share must be 0 to 1, got " + share);
        }
        try (StreamingModel model = modelOptions.load()) {
            ModelInfo info = model.info();
            if (streamOptions.maxTokens == null) {
                streamOptions.maxTokens = info.contextLength(); // a dense cache within the trained context
            }
            TokenStream stream = streamOptions.load(model);
            int[] tokens = stream.tokens();
            int from = sinkTokens + localTokens;
            if (tokens.length <= from) {
                throw new IllegalArgumentException("the calibration text has " + tokens.length + " tokens; it needs more"
                        + " than --sink-tokens + --local-tokens = " + from);
            }
            AttentionStatistics stats = new AttentionStatistics(info.layers(), info.heads(), tokens.length, sinkTokens,
                    localTokens, List.of(), List.of(), 0);
            StreamingSession session = model.newSession(CachePolicy.dense());
            session.recordAttention(stats);
            session.append(tokens);
            session.recordAttention(null);

            int group = info.heads() / info.kvHeads();
            double[][] scores = new double[info.layers()][info.kvHeads()];
            for (int l = 0; l < info.layers(); l++) {
                for (int h = 0; h < info.heads(); h++) {
                    scores[l][h / group] += stats.meanBeyondSinksAndLocal(l, h, from) / group;
                }
            }
            DuoCalibration calibration = new DuoCalibration(scores, sinkTokens, localTokens, tokens.length);
            Path file = out != null ? out : DuoCalibration.fileFor(info.source());
            calibration.save(file);
            Console.status("wrote " + file);
            System.out.print(summary(info, calibration, stream.source()));
        }
        return 0;
    }

    private String summary(ModelInfo info, DuoCalibration calibration, String source) {
        boolean[][] retrieval = calibration.retrievalHeads(share);
        double[][] scores = calibration.retrievalScores();
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT,
                "%s: attention beyond the first %d tokens and the last %d, per KV head, over %d tokens of %s%n"
                        + "(R: the retrieval heads of duo:S:W:%s; the others stream with a sink cache)%n",
                info.name(), calibration.sinkTokens(), calibration.localTokens(), calibration.tokens(), source, share));
        for (int l = 0; l < scores.length; l++) {
            text.append(String.format(Locale.ROOT, "layer %2d:", l));
            for (int h = 0; h < scores[l].length; h++) {
                text.append(String.format(Locale.ROOT, " %5.3f%s", scores[l][h], retrieval[l][h] ? "R" : " "));
            }
            text.append(System.lineSeparator());
        }
        return text.toString();
    }
}
