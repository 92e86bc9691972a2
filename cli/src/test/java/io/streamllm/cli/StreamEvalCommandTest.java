package io.streamllm.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** streameval end to end on the shipped model. */
class StreamEvalCommandTest {
    @TempDir
    Path dir;

    @Test
    void aWindowRecallsNothingBeyondItselfAndTheCommandWritesCsvAndPlot() throws IOException {
        Path csv = dir.resolve("streameval.csv");
        Path png = dir.resolve("streameval.png");
        // window:64 holds the 27-token query and one 33-token line: from 2 lines back the line is gone.
        CliRun run = CliRun.of("streameval", "--cache", "dense", "--cache", "window:64", "--lines", "24",
                "--query-every", "1", "--distances", "1,4,8", "--csv", csv.toString(), "--plot", png.toString());

        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stderr()).contains("window:64 [").contains("100%");
        assertThat(run.stdout()).contains("| dense (unbounded) |").contains("| window:64 (64) |");
        List<String> rows = Files.readAllLines(csv);
        assertThat(rows.get(0)).isEqualTo("policy,cache_budget,distance_lines,queries,correct,accuracy,"
                + "mean_nll_repeated,mean_nll_fresh,mean_recall_loss,recall_loss_stderr");
        assertThat(rows).hasSize(1 + 2 * 3);
        for (String row : rows.subList(1, rows.size())) {
            String[] cells = row.split(",");
            int distance = Integer.parseInt(cells[2]);
            assertThat(Integer.parseInt(cells[3])).isEqualTo(24 - distance + 1);
            if (cells[0].equals("window:64") && distance > 1) {
                // Beyond the window the line's number is no likelier than any other, up to the sampling noise.
                double loss = Double.parseDouble(cells[8]);
                double stdError = Double.parseDouble(cells[9]);
                assertThat(stdError).isPositive();
                assertThat(Math.abs(loss)).as(row).isLessThanOrEqualTo(3 * stdError);
            }
        }
        assertThat(ImageIO.read(png.toFile())).isNotNull();
    }

    @Test
    void badOptionsGiveOneLine() {
        CliRun run = CliRun.of("streameval", "--lines", "5", "--distances", "9", "--csv", dir.resolve("x.csv").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr().strip()).isEqualTo("streamllm: every distance of [9] is longer than the 5 lines of the stream");
    }
}
