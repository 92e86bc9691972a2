package io.streamllm.cli;

import io.streamllm.eval.TestData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

/** {@code streamllm attention} on the shipped models: a heat-map PNG, a sink-share CSV and the head summary. */
class AttentionCommandTest {
    private static final String STORY = "Once upon a time, there was a little girl named Lily. She loved to play in the"
            + " park with her red ball. One day, she saw a big dog under a tree. The dog was sad because he was lost."
            + " Lily said, \"Do not be sad, dog. I will help you find your home.\" The dog wagged his tail.";

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0} {1}")
    @ValueSource(strings = {"stories260K dense", "stories260K sink:2:8", "tinystories-656k dense",
            "tinystories-656k sink:4:16"})
    void writesAHeatMapAndSinkSharesInZeroToOne(String modelAndPolicy) throws IOException {
        String[] parts = modelAndPolicy.split(" ");
        Path text = Files.writeString(dir.resolve("story.txt"), STORY);
        Path png = dir.resolve("maps.png");
        Path csv = dir.resolve("shares.csv");

        CliRun run = CliRun.of("attention", "-m", TestData.model(parts[0]).toString(), "--text", text.toString(),
                "--cache", parts[1], "--sink-tokens", "2", "--span", "24", "--png", png.toString(), "--csv", csv.toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isPositive();

        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.getFirst()).isEqualTo("layer,head,position,sink_share,local_share");
        assertThat(rows).hasSizeGreaterThan(1);
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",");
            assertThat(Double.parseDouble(cells[3])).as(row).isBetween(0.0, 1.0 + 1e-6);
            assertThat(Double.parseDouble(cells[4])).as(row).isBetween(0.0, 1.0 + 1e-6);
            if (Integer.parseInt(cells[2]) < 2) {
                // A query among the first two tokens sees only them: all its mass is on the sinks.
                assertThat(Double.parseDouble(cells[3])).as(row).isCloseTo(1.0, offset(1e-5));
            }
        }
        assertThat(run.stdout()).contains("sink heads", "local heads", "retrieval-like heads", ">= 0.50");
    }

    @Test
    void aMissingTextIsAOneLineError() {
        CliRun run = CliRun.of("attention", "--text", dir.resolve("absent.txt").toString(),
                "--png", dir.resolve("a.png").toString(), "--csv", dir.resolve("a.csv").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("absent.txt").doesNotContain("\tat ");
        assertThat(run.stderr().lines().filter(l -> l.startsWith("streamllm: ")).count()).isEqualTo(1);
        assertThat(dir.resolve("a.png")).doesNotExist();
    }

    @Test
    void aLayerOutsideTheModelIsAOneLineError() throws IOException {
        Path text = Files.writeString(dir.resolve("story.txt"), STORY);
        CliRun run = CliRun.of("attention", "--text", text.toString(), "--layers", "0,9",
                "--png", dir.resolve("a.png").toString(), "--csv", dir.resolve("a.csv").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("--layers 9 is outside 0..4");
    }

    @Test
    void duoCalibrateScoresEveryKvHeadAndMarksTheRetrievalHeads() throws IOException {
        Path text = Files.writeString(dir.resolve("story.txt"), STORY.repeat(3));
        Path out = dir.resolve("calibration.json");

        CliRun run = CliRun.of("duo-calibrate", "-m", TestData.model("stories260K").toString(), "--text", text.toString(),
                "--sink-tokens", "2", "--local-tokens", "8", "--share", "0.25", "--out", out.toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        io.streamllm.api.DuoCalibration calibration = io.streamllm.api.DuoCalibration.load(out);
        assertThat(calibration.retrievalScores()).hasDimensions(5, 4);
        assertThat(calibration.sinkTokens()).isEqualTo(2);
        assertThat(calibration.localTokens()).isEqualTo(8);
        long marked = java.util.regex.Pattern.compile("\\d\\.\\d{3}R").matcher(run.stdout()).results().count();
        assertThat(run.stdout()).contains("layer  0:", "layer  4:", "duo:S:W:0.25");
        assertThat(marked).as(run.stdout()).isEqualTo(5); // a quarter of 20 heads
    }
}
