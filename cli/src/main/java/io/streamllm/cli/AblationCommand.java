package io.streamllm.cli;

import io.streamllm.eval.Ablation;
import io.streamllm.eval.PolicyResult;
import io.streamllm.eval.StreamingPerplexity;
import io.streamllm.eval.TokenStream;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

@Command(name = "ablation", mixinStandardHelpOptions = true,
        description = "The paper's ablations in miniature, as markdown tables: perplexity for 0/1/2/4/8 attention sinks"
                + " at a fixed cache size (Table 2), and for several cache sizes with 4 sinks beside window attention"
                + " (Table 6).")
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

    @Override
    public Integer call() {
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
}
