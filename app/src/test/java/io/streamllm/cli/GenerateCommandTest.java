package io.streamllm.cli;

import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GenerateCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void greedyContinuationIsLlamaCppsText() {
        Map<String, Object> greedy = ((List<Map<String, Object>>) References.json("stories260K-llamacpp.json").get("greedy")).get(0);
        String prompt = (String) greedy.get("prompt");
        int n = ((Number) greedy.get("n_predict")).intValue();
        String output = (String) greedy.get("llama_cpp_output");
        // llama-simple prints "<s> ", the prompt, the continuation, then a newline of its own.
        String continuation = output.substring(("<s> " + prompt).length(), output.length() - 1);

        CliRun run = CliRun.of("generate", "-m", References.stories260K().toString(), "-p", prompt,
                "-n", String.valueOf(n), "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isEqualTo(continuation + "\n");
        assertThat(run.stderr()).contains("generated: " + n + " tokens");
    }

    @Test
    void frequencyAndPresencePenaltiesChangeTheGreedyText() {
        CliRun plain = CliRun.of("generate", "-p", "Once upon a time", "-n", "60", "--temp", "0");
        CliRun penalized = CliRun.of("generate", "-p", "Once upon a time", "-n", "60", "--temp", "0",
                "--frequency-penalty", "1.5", "--presence-penalty", "1");
        assertThat(plain.exitCode()).isZero();
        assertThat(penalized.exitCode()).isZero();
        assertThat(penalized.stdout()).isNotEqualTo(plain.stdout());
        assertThat(CliRun.of("generate", "-p", "x", "--frequency-penalty", "3").stderr()).contains("frequency penalty");
    }

    @Test
    void theShippedModelIsTheDefault() {
        CliRun run = CliRun.of("generate", "-p", "Once upon a time", "-n", "8", "--seed", "3");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isNotBlank();
        assertThat(run.stderr()).contains("stories-260k");
    }

    @Test
    void tinystoriesStopsAtItsWrittenEndMarker() {
        CliRun run = CliRun.of("generate", "-m", References.tinystories656k().toString(), "-n", "400", "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).startsWith("Once upon a time").doesNotContain("<|end_story|>").doesNotContain("<|end");
        assertThat(run.stderr()).contains("stop: stop_string");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenizePrintsLlamaCppsIdsWithBos() {
        for (Map<String, Object> reference : (List<Map<String, Object>>) References.json("stories260K-llamacpp.json").get("tokenize")) {
            CliRun run = CliRun.of("tokenize", "-m", References.stories260K().toString(), "-p", (String) reference.get("text"));
            assertThat(run.exitCode()).isZero();
            assertThat(run.stdout().strip()).isEqualTo(reference.get("ids").toString());
        }
    }

    @Test
    void aLongGenerationKeepsTheSinkCacheBounded() {
        CliRun run = CliRun.of("generate", "-p", "Once upon a time", "-n", "3000", "--cache", "sink:4:60",
                "--ignore-eos", "--seed", "1");
        assertThat(run.exitCode()).isZero();
        // 5 prompt tokens and 3000 generated ones went in; the cache holds 4 sinks + 60.
        assertThat(run.stderr()).contains("generated: 3000 tokens").contains("cache: 64 tokens, 2941 evicted");
    }
}
