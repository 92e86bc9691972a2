package io.streamllm.cli;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import io.streamllm.eval.TestData;
import io.streamllm.eval.TokenStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * `streamllm ablation --policies` on stories260K, its figures checked against the commands and the API that
 * measure each one alone: perplexity against `streamllm perplexity`, the recall loss against `streamllm
 * streameval`, the KV bytes against the session's CacheStats.
 */
class PolicyComparisonCommandTest {
    private static final int TOKENS = 120;
    private static final String[] RECALL = {"--recall-lines", "8", "--recall-every", "4", "--recall-distances", "1,5"};

    @TempDir
    static Path dir;
    private static CliRun run;
    private static List<String> csvHeader;
    private static Map<String, Map<String, String>> csvRows;

    @BeforeAll
    static void compare() throws IOException {
        Path csv = dir.resolve("policies.csv");
        List<String> args = new java.util.ArrayList<>(List.of("ablation", "-m", model(), "--tokens", stream(),
                "--max-tokens", Integer.toString(TOKENS), "--policies", "dense,window,sink:4", "--budget", "32",
                "--csv", csv.toString(), "--md", dir.resolve("policies.md").toString(),
                "--plot", dir.resolve("policies.png").toString()));
        args.addAll(List.of(RECALL));
        run = CliRun.of(args.toArray(String[]::new));
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        List<String> lines = Files.readAllLines(csv);
        csvHeader = List.of(lines.getFirst().split(","));
        csvRows = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < cells.length; i++) {
                row.put(csvHeader.get(i), cells[i]);
            }
            csvRows.put(row.get("policy"), row);
        }
    }

    private static String model() {
        return TestData.stories260K().toString();
    }

    private static String stream() {
        return TestData.referenceStream("stories260K").toString();
    }

    @Test
    void printsOneRowPerExpandedPolicyAndWritesTheFiles() throws IOException {
        assertThat(run.stdout()).contains("a budget of 32 cache tokens")
                .contains("| policy | cache tokens | PPL | recall loss d=1 | recall loss d=5 | ms/token | KV bytes |")
                // d=1 is asked twice (a standard error), d=5 once (none)
                .containsPattern("\\| dense \\| unbounded \\| [0-9.]+ \\| [-+][0-9.]+ ± [0-9.]+ \\| [-+][0-9.]+"
                        + " \\| [0-9.]+ \\| [0-9,]+ \\|")
                .contains("| window:32 | 32 |")
                .contains("| sink:4:28 | 32 |");
        assertThat(Files.readString(dir.resolve("policies.md"))).isEqualTo(run.stdout());
        assertThat(ImageIO.read(dir.resolve("policies.png").toFile())).isNotNull();
        assertThat(run.stderr()).contains("a register line is").contains("sink:4:28 recall");
        assertThat(csvHeader).containsExactly("policy", "written", "cache_tokens", "tokens", "mean_nll", "ppl",
                "ms_per_token", "kv_bytes", "recall_loss_d1", "recall_loss_d1_stderr", "accuracy_d1",
                "recall_loss_d5", "recall_loss_d5_stderr", "accuracy_d5");
        assertThat(csvRows).containsOnlyKeys("dense", "window:32", "sink:4:28");
        assertThat(csvRows.get("sink:4:28")).containsEntry("written", "sink:4").containsEntry("cache_tokens", "32")
                .containsEntry("tokens", Integer.toString(TOKENS));
        assertThat(Double.parseDouble(csvRows.get("window:32").get("ms_per_token"))).isPositive();
    }

    @Test
    void perplexityIsWhatThePerplexityCommandGives() {
        CliRun perplexity = CliRun.of("perplexity", "-m", model(), "--tokens", stream(), "--max-tokens",
                Integer.toString(TOKENS), "--cache", "dense", "--cache", "window:32", "--cache", "sink:4:28");
        assertThat(perplexity.exitCode()).as(perplexity.stderr()).isZero();
        Pattern nll = Pattern.compile("\"policy\":\"([^\"]+)\".*\"mean_nll\":([0-9.]+)");
        List<String> lines = perplexity.stdout().lines().toList();
        assertThat(lines).hasSize(3);
        for (String line : lines) {
            Matcher m = nll.matcher(line);
            assertThat(m.find()).as(line).isTrue();
            assertThat(Double.parseDouble(csvRows.get(m.group(1)).get("mean_nll")))
                    .as(m.group(1)).isCloseTo(Double.parseDouble(m.group(2)), within(1e-6));
        }
    }

    @Test
    void recallLossIsWhatStreamEvalGives() throws IOException {
        Path csv = dir.resolve("streameval.csv");
        CliRun streameval = CliRun.of("streameval", "-m", model(), "--cache", "window:32,sink:4:28", "--lines", "8",
                "--query-every", "4", "--distances", "1,5", "--csv", csv.toString());
        assertThat(streameval.exitCode()).as(streameval.stderr()).isZero();
        List<String> lines = Files.readAllLines(csv);
        List<String> header = List.of(lines.getFirst().split(","));
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",");
            String policy = cells[header.indexOf("policy")];
            String distance = cells[header.indexOf("distance_lines")];
            assertThat(csvRows.get(policy).get("recall_loss_d" + distance)).as(policy + " d=" + distance)
                    .isEqualTo(cells[header.indexOf("mean_recall_loss")]);
        }
        assertThat(lines).hasSize(1 + 2 * 2);
    }

    @Test
    void kvBytesAreTheCachesAllocatedBytesAfterTheStream() {
        try (StreamingModel model = StreamingModel.load(TestData.stories260K())) {
            int[] tokens = TokenStream.fromTokensFile(Path.of(stream()), model.info().vocabularySize())
                    .limit(TOKENS).tokens();
            long[] bytes = new long[3];
            String[] specs = {"dense", "window:32", "sink:4:28"};
            for (int p = 0; p < specs.length; p++) {
                StreamingSession session = model.newSession(SessionOptions.of(CachePolicy.parse(specs[p])));
                // What the perplexity pass feeds: BOS, then every token but the last (which predicts nothing).
                session.append(model.tokenizer().specials().bos());
                for (int token : Arrays.copyOf(tokens, tokens.length - 1)) {
                    session.append(token);
                }
                bytes[p] = session.stats().allocatedBytes();
                assertThat(Long.parseLong(csvRows.get(specs[p]).get("kv_bytes"))).as(specs[p]).isEqualTo(bytes[p]);
            }
            assertThat(bytes[0]).as("a dense cache holds the whole stream").isGreaterThan(bytes[2]);
        }
    }

    @Test
    void badPoliciesAreRefusedInOneLine() {
        assertRefused("unknown cache policy 'lru:3'", "--policies", "dense,lru:3");
        assertRefused("a budget of 8 cache tokens leaves no window for h2o:4:4", "--policies", "h2o:4:4", "--budget", "8");
        assertRefused("--md, --csv and --plot go with --policies", "--csv", dir.resolve("x.csv").toString());
    }

    private static void assertRefused(String message, String... options) {
        List<String> args = new java.util.ArrayList<>(List.of("ablation", "-m", model(), "--tokens", stream()));
        args.addAll(List.of(options));
        CliRun refused = CliRun.of(args.toArray(String[]::new));
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.stdout()).isEmpty();
        assertThat(refused.stderr().lines().filter(l -> l.startsWith("streamllm: ")))
                .singleElement().asString().startsWith("streamllm: " + message);
        assertThat(refused.stderr()).doesNotContain("\tat ");
    }
}
