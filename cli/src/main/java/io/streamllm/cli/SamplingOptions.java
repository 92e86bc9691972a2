package io.streamllm.cli;

import io.streamllm.api.Sampling;
import picocli.CommandLine.Option;

/** Sampling options shared by generate and chat. */
final class SamplingOptions {
    @Option(names = "--temp", defaultValue = "0.8", paramLabel = "T", description = "temperature; 0 is greedy (default: ${DEFAULT-VALUE})")
    float temperature;

    @Option(names = "--top-k", defaultValue = "40", paramLabel = "K", description = "keep the K most likely tokens, 0 = all (default: ${DEFAULT-VALUE})")
    int topK;

    @Option(names = "--top-p", defaultValue = "0.95", paramLabel = "P", description = "nucleus sampling mass, 1 = off (default: ${DEFAULT-VALUE})")
    float topP;

    @Option(names = "--min-p", defaultValue = "0.05", paramLabel = "P", description = "drop tokens below P times the best, 0 = off (default: ${DEFAULT-VALUE})")
    float minP;

    @Option(names = "--repeat-penalty", defaultValue = "1.0", paramLabel = "X", description = "penalty for recent tokens, 1 = off (default: ${DEFAULT-VALUE})")
    float repeatPenalty;

    @Option(names = "--repeat-last-n", defaultValue = "64", paramLabel = "N", description = "how many recent tokens the penalty sees (default: ${DEFAULT-VALUE})")
    int repeatLastN;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "X",
            description = "lower a token's logit by X per time it was generated, -2..2, 0 = off (default: ${DEFAULT-VALUE})")
    float frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "X",
            description = "lower the logit of every token generated so far by X, -2..2, 0 = off (default: ${DEFAULT-VALUE})")
    float presencePenalty;

    @Option(names = "--seed", paramLabel = "S", description = "random seed (default: random, printed on stderr)")
    Long seed;

    /** The flags as API sampling, with the default token budget and no stop strings. */
    Sampling sampling() {
        long s = seed != null ? seed : System.nanoTime() & 0xffffffffL;
        if (seed == null && temperature > 0) {
            Console.status("seed: " + s);
        }
        return Sampling.greedy().temperature(temperature).topK(topK).topP(topP).minP(minP)
                .repetitionPenalty(repeatPenalty, repeatLastN).penalties(frequencyPenalty, presencePenalty).seed(s);
    }
}
