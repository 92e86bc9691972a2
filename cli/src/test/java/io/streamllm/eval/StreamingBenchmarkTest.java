package io.streamllm.eval;

import io.streamllm.eval.StreamingBenchmark.Kind;
import io.streamllm.eval.StreamingBenchmark.Point;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StreamingBenchmarkTest {

    @TempDir
    Path dir;

    @Test
    void measuresEveryPolicyAtEverySizeWithItsOwnCache() throws IOException {
        List<String> status = new ArrayList<>();
        List<Point> points;
        long kvBytesPerToken;
        try (StreamingModel model = StreamingModel.load(TestData.tinySyntheticModel(dir))) {
            kvBytesPerToken = model.info().kvBytesPerToken();
            StreamingBenchmark.Settings settings = new StreamingBenchmark.Settings(List.of(64, 16, 32),
                    List.of(Kind.SINK, Kind.RECOMPUTE, Kind.DENSE), 3, 1);
            points = new StreamingBenchmark(model, settings).run(status::add);
        }
        assertThat(points).extracting(Point::policy).containsExactly(
                "sink:4:12", "recompute:16", "dense",
                "sink:4:28", "recompute:32", "dense",
                "sink:4:60", "recompute:64", "dense");
        assertThat(points).extracting(Point::samples).containsExactly(3, 1, 3, 3, 1, 3, 3, 1, 3);
        assertThat(points).allSatisfy(p -> {
            assertThat(p.medianMs()).isPositive();
            assertThat(p.rssBytes()).isPositive();
            // Every cache holds at least the C tokens of context.
            assertThat(p.kvBytes()).isGreaterThanOrEqualTo(p.cacheSize() * kvBytesPerToken);
        });
        Point sink16 = points.get(0);
        Point sink64 = points.get(6);
        assertThat(sink64.kvBytes() - sink16.kvBytes()).isEqualTo(48 * kvBytesPerToken); // the window grew by 48
        assertThat(status).first().asString().contains("warming up");
        assertThat(status).anySatisfy(line -> assertThat(line).contains("[9/9] C=64 dense"));

        assertThat(StreamingBenchmark.speedup(points, 32)).isEqualTo(points.get(4).medianMs() / points.get(3).medianMs());
        String table = StreamingBenchmarkReport.markdown(points);
        assertThat(table.lines()).hasSize(11);
        assertThat(table.lines().skip(2).filter(l -> l.contains("sink:4:")))
                .allSatisfy(line -> assertThat(line).matches(".*\\| [0-9.]+x \\|$"));

        Path csv = dir.resolve("bench.csv");
        StreamingBenchmarkReport.writeCsv(csv, points);
        assertThat(Files.readAllLines(csv)).hasSize(10).first().isEqualTo(
                "cache_size,kind,policy,timed_tokens,median_ms_per_token,mean_ms_per_token,rss_bytes,kv_cache_bytes");
        Path png = dir.resolve("bench.png");
        StreamingBenchmarkReport.writePlot(png, "tiny", points);
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void rejectsSizesWithoutRoomForAWindow() {
        assertThatThrownBy(() -> new StreamingBenchmark.Settings(List.of(4), List.of(Kind.SINK), 1, 1))
                .hasMessageContaining("cache size 4 leaves no window");
        assertThatThrownBy(() -> new StreamingBenchmark.Settings(List.of(64), List.of(Kind.SINK), 0, 1))
                .hasMessageContaining("at least 1 token");
    }
}
