package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class RunLogTest {

    @TempDir
    Path dir;

    @Test
    void logsOneRowPerWindowOfTokensWithTheCacheStateAndMeanNll() throws IOException {
        Path csv = dir.resolve("log.csv");
        Path png = dir.resolve("log.png");
        try (StreamingModel model = StreamingModel.load(TestData.stories260K());
             RunLog log = new RunLog(csv, 100)) {
            TokenStream stream = TokenStream.fromTokensFile(TestData.referenceStream("stories260K"),
                    model.info().vocabularySize()).limit(450);
            PolicyResult result = new StreamingPerplexity(model, 1000).evaluate(SessionOptions.of(CachePolicy.parse("sink:4:60")),
                    stream, log.listener("sink:4:60"));

            List<RunLog.Window> windows = log.windows();
            assertThat(windows).extracting(RunLog.Window::start).containsExactly(0L, 100L, 200L, 300L, 400L);
            assertThat(windows).extracting(RunLog.Window::end).containsExactly(100L, 200L, 300L, 400L, 450L);
            assertThat(windows).allSatisfy(w -> {
                assertThat(w.policy()).isEqualTo("sink:4:60");
                assertThat(w.cacheTokens()).isEqualTo(64); // full from token 64 on
                assertThat(w.medianMs()).isPositive();
                assertThat(w.meanMs()).isPositive();
                assertThat(w.rssBytes()).isPositive();
            });
            // The windows' token-weighted mean NLL is the run's.
            double weighted = windows.stream().mapToDouble(w -> w.meanNll() * (w.end() - w.start())).sum() / 450;
            assertThat(weighted).isCloseTo(result.meanNll(), within(1e-9));
            assertThat(windows).extracting(RunLog.Window::kvBytes).containsOnly(windows.getFirst().kvBytes());

            log.writePlot(png, "test");
        }
        List<String> lines = Files.readAllLines(csv);
        assertThat(lines).hasSize(6);
        assertThat(lines.getFirst()).isEqualTo("policy,token_start,token_end,median_ms_per_token,mean_ms_per_token,"
                + "rss_bytes,kv_cache_bytes,cache_tokens,mean_nll");
        assertThat(lines.get(5)).startsWith("sink:4:60,400,450,");
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void driftComparesTheMediansOfTheFirstAndLastTenthOfTheWindows() {
        // 20 windows: times 1.0, 1.1, ... 2.9 ms; RSS 100, 102, ... 138 MB.
        List<RunLog.Window> run = new java.util.ArrayList<>();
        for (int w = 0; w < 20; w++) {
            run.add(new RunLog.Window("p", w * 10L, w * 10L + 10, 1 + w / 10.0, 5, 100_000_000L + w * 2_000_000L, 0, 0, 1));
        }
        RunLog.Drift drift = RunLog.drift(run);
        assertThat(drift.policy()).isEqualTo("p");
        assertThat(drift.firstMs()).isCloseTo(1.05, within(1e-9)); // windows 0 and 1
        assertThat(drift.lastMs()).isCloseTo(2.85, within(1e-9)); // windows 18 and 19
        assertThat(drift.timeChange()).isCloseTo(2.85 / 1.05 - 1, within(1e-9));
        assertThat(drift.firstRssBytes()).isEqualTo(101_000_000L);
        assertThat(drift.lastRssBytes()).isEqualTo(137_000_000L);
        assertThat(drift.rssChange()).isCloseTo(137.0 / 101 - 1, within(1e-9));
    }

    @Test
    void aShortRunComparesItsFirstAndLastWindow() {
        List<RunLog.Window> run = List.of(new RunLog.Window("p", 0, 10, 2, 2, 100, 0, 0, 1),
                new RunLog.Window("p", 10, 20, 3, 3, 110, 0, 0, 1));
        RunLog.Drift drift = RunLog.drift(run);
        assertThat(drift.firstMs()).isEqualTo(2);
        assertThat(drift.lastMs()).isEqualTo(3);
    }
}
