package io.streamllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.eval.TestData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The perplexity, ablation and bench commands end to end, through Main as a user runs them. */
class EvalCommandsTest {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream originalOut;
    private PrintStream originalErr;

    @TempDir
    Path dir;

    @BeforeEach
    void captureOutput() {
        originalOut = System.out;
        originalErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @AfterEach
    void restoreOutput() {
        System.setOut(originalOut);
        System.setErr(originalErr);
    }

    private int run(String... args) {
        return Main.run(args);
    }

    private String stdout() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String stderr() {
        return err.toString(StandardCharsets.UTF_8);
    }

    private static String model() {
        return TestData.stories260K().toString();
    }

    private static String referenceTokens() {
        return TestData.referenceStream("stories260K").toString();
    }

    @Test
    void perplexityPrintsOneJsonLinePerPolicyAndWritesCsvAndPlot() throws IOException {
        Path csv = dir.resolve("ppl.csv");
        Path png = dir.resolve("ppl.png");
        int code = run("perplexity", "-m", model(), "--tokens", referenceTokens(), "--max-tokens", "300",
                "--cache", "sink:4:60", "--cache", "window:64", "--segment", "100", "--csv", csv.toString(),
                "--plot", png.toString());

        assertThat(code).as(stderr()).isZero();
        List<String> lines = stdout().lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).matches("\\{\"policy\":\"sink:4:60\",\"tokens\":300,\"mean_nll\":[0-9.]+,\"ppl\":[0-9.]+}");
        assertThat(lines.get(1)).matches("\\{\"policy\":\"window:64\",\"tokens\":300,\"mean_nll\":[0-9.]+,\"ppl\":[0-9.]+}");
        assertThat(Files.readAllLines(csv)).hasSize(1 + 2 * 3);
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void perplexityLogsLongRuns() throws IOException {
        Path log = dir.resolve("run.csv");
        Path png = dir.resolve("run.png");
        int code = run("perplexity", "-m", model(), "--tokens", referenceTokens(), "--max-tokens", "200",
                "--cache", "sink:4:28", "--log", log.toString(), "--log-every", "50", "--log-plot", png.toString());

        assertThat(code).as(stderr()).isZero();
        assertThat(Files.readAllLines(log)).hasSize(1 + 4);
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void perplexityReportsBadInputInOneLine() throws IOException {
        Path missing = dir.resolve("missing.json");
        assertError("no such file: " + missing, "--tokens", missing.toString());
        Path empty = Files.writeString(dir.resolve("empty.json"), "[]");
        assertError("the stream is empty: " + empty + " holds no tokens", "--tokens", empty.toString());
        Path malformed = Files.writeString(dir.resolve("bad.json"), "{\"tokens\": [1, 2");
        assertError(malformed + ": malformed tokens JSON: ", "--tokens", malformed.toString());
        Path outside = Files.writeString(dir.resolve("outside.json"), "[1, 2, 600]");
        assertError(outside + ": token 2 has id 600, outside the model's vocabulary of 512 tokens",
                "--tokens", outside.toString());
        assertError("give the stream as either --text FILE or --tokens FILE.json");
        assertError("give the stream as either --text FILE or --tokens FILE.json",
                "--tokens", outside.toString(), "--text", outside.toString());
        assertError("cache policy 'sink:4' should be written sink:S:W", "--tokens", referenceTokens(),
                "--cache", "sink:4");
    }

    private void assertError(String message, String... streamArgs) {
        out.reset();
        err.reset();
        List<String> args = new java.util.ArrayList<>(List.of("perplexity", "-m", model()));
        args.addAll(List.of(streamArgs));
        if (!args.contains("--cache")) {
            args.addAll(List.of("--cache", "dense"));
        }
        int code = run(args.toArray(String[]::new));
        assertThat(code).isEqualTo(1);
        assertThat(stdout()).isEmpty();
        List<String> errors = stderr().lines().filter(l -> l.startsWith("streamllm: ")).toList();
        assertThat(errors).hasSize(1);
        assertThat(errors.getFirst()).startsWith("streamllm: " + message);
        assertThat(stderr()).doesNotContain("\tat ");
    }

    @Test
    void ablationPrintsBothTables() {
        int code = run("ablation", "-m", model(), "--tokens", referenceTokens(), "--max-tokens", "100",
                "--cache-size", "32", "--sinks", "0,2,4", "--cache-sizes", "16,32");

        assertThat(code).as(stderr()).isZero();
        assertThat(stdout()).contains("first 100 tokens of stories260K-stream-seed0.json")
                .contains("| sinks + window | 0 + 32 | 2 + 30 | 4 + 28 |")
                .contains("| cache size C | 16 | 32 |")
                .containsPattern("\\| StreamingLLM \\(4 \\+ C-4\\) \\| [0-9.]+ \\| [0-9.]+ \\|");
    }

    @Test
    void streamingBenchPrintsATableAndWritesCsvAndPlot() throws IOException {
        Path model = TestData.tinySyntheticModel(dir);
        Path csv = dir.resolve("bench.csv");
        Path png = dir.resolve("bench.png");
        int code = run("bench", "--streaming", "-m", model.toString(), "--cache-sizes", "16,32",
                "--tokens-per-point", "2", "--recompute-tokens", "1", "--csv", csv.toString(), "--plot", png.toString());

        assertThat(code).as(stderr()).isZero();
        assertThat(stdout()).contains("| 32 | sink:4:28 |").contains("| 32 | recompute:32 |").contains("| 32 | dense |");
        assertThat(Files.readAllLines(csv)).hasSize(1 + 6);
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void streamingBenchRejectsUnknownPolicies() {
        int code = run("bench", "--streaming", "--policies", "sink,sliding");
        assertThat(code).isEqualTo(1);
        assertThat(stderr()).contains("streamllm: unknown policy 'sliding' for --policies");
    }

    @Test
    void benchWritesLlamaBenchJson() throws IOException {
        int code = run("bench", "-m", model(), "-p", "8", "-n", "4", "-r", "2", "-t", "1", "-o", "json", "--bandwidth-mib", "8");

        assertThat(code).as(stderr()).isZero();
        JsonNode runs = new ObjectMapper().readTree(stdout());
        assertThat(runs.size()).isEqualTo(2);
        assertThat(runs.get(0).get("n_prompt").asInt()).isEqualTo(8);
        assertThat(runs.get(0).get("n_gen").asInt()).isZero();
        assertThat(runs.get(1).get("n_prompt").asInt()).isZero();
        assertThat(runs.get(1).get("n_gen").asInt()).isEqualTo(4);
        for (JsonNode run : runs) {
            assertThat(run.get("n_threads").asInt()).isEqualTo(1);
            assertThat(run.get("samples_ts").size()).isEqualTo(2);
            assertThat(run.get("avg_ts").asDouble()).isPositive();
            assertThat(run.get("model_type").asText()).startsWith("llama ").endsWith(" F32");
            assertThat(run.get("model_size").asLong()).isPositive().isLessThan(Files.size(Path.of(model())));
        }
        assertThat(runs.get(1).get("decode_efficiency").isNumber()).isTrue();
        assertThat(stderr()).contains("read bandwidth").contains("tg4: run 2 of 2");
    }

    @Test
    void benchRejectsAnUnknownOutputFormat() {
        int code = run("bench", "-m", model(), "-o", "xml");
        assertThat(code).isEqualTo(2);
        assertThat(stderr()).contains("--output").contains("xml");
    }
}
