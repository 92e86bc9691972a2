package io.streamllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** `streamllm perplexity` over a reference's tokens with a dense and a sink:4:12 cache: their mean NLLs. */
record PerplexityRun(double denseNll, double sinkNll) {
    private static final Pattern MEAN_NLL = Pattern.compile("\"policy\":\"([^\"]+)\".*\"mean_nll\":([0-9.]+)");

    /** {@code tokens} start with BOS, which perplexity feeds itself: the stream is the tokens after it. */
    static PerplexityRun of(Path model, int[] tokens, Path scratch) throws IOException {
        Path stream = scratch.resolve("tokens.json");
        Files.writeString(stream, Arrays.toString(Arrays.copyOfRange(tokens, 1, tokens.length)));
        CliRun run = CliRun.of("perplexity", "-m", model.toString(), "--tokens", stream.toString(),
                "--cache", "dense", "--cache", "sink:4:12");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<String> lines = run.stdout().lines().toList();
        assertThat(lines).hasSize(2);
        return new PerplexityRun(meanNllOf(lines.get(0), "dense"), meanNllOf(lines.get(1), "sink:4:12"));
    }

    private static double meanNllOf(String line, String policy) {
        Matcher m = MEAN_NLL.matcher(line);
        assertThat(m.find()).as(line).isTrue();
        assertThat(m.group(1)).isEqualTo(policy);
        return Double.parseDouble(m.group(2));
    }
}
