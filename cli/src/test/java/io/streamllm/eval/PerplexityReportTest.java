package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PerplexityReportTest {
    private static final PolicyResult SINK = new PolicyResult("sink:4:60", 5, 1.5,
            List.of(new Segment(0, 3, 1.0, 1.0), new Segment(3, 5, 2.25, 1.5)));
    private static final PolicyResult DENSE = new PolicyResult("dense", 5, 3.0,
            List.of(new Segment(0, 3, 2.0, 2.0), new Segment(3, 5, 4.5, 3.0)));

    @TempDir
    Path dir;

    @Test
    void jsonLineHasExactlyThePolicyTokensMeanNllAndPpl() throws IOException {
        String line = PerplexityReport.jsonLine(SINK);
        assertThat(line).doesNotContain("\n").startsWith("{\"policy\":\"sink:4:60\",\"tokens\":5,\"mean_nll\":1.5,\"ppl\":");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.properties()).extracting(java.util.Map.Entry::getKey)
                .containsExactly("policy", "tokens", "mean_nll", "ppl");
        assertThat(json.get("ppl").doubleValue()).isCloseTo(Math.exp(1.5), within(1e-12));
    }

    @Test
    void csvHasOneRowPerPolicyAndSegment() throws IOException {
        Path csv = dir.resolve("out/ppl.csv");
        PerplexityReport.writeCsv(csv, List.of(SINK, DENSE));
        assertThat(Files.readAllLines(csv)).containsExactly(
                "policy,segment_start,segment_end,mean_nll,ppl,cumulative_mean_nll",
                String.format(java.util.Locale.ROOT, "sink:4:60,0,3,1.000000,%.6f,1.000000", Math.exp(1)),
                String.format(java.util.Locale.ROOT, "sink:4:60,3,5,2.250000,%.6f,1.500000", Math.exp(2.25)),
                String.format(java.util.Locale.ROOT, "dense,0,3,2.000000,%.6f,2.000000", Math.exp(2)),
                String.format(java.util.Locale.ROOT, "dense,3,5,4.500000,%.6f,3.000000", Math.exp(4.5)));
    }

    @Test
    void plotIsAPngImage() throws IOException {
        Path png = dir.resolve("ppl.png");
        PerplexityReport.writePlot(png, "test", List.of(SINK, DENSE), 4);
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image).isNotNull();
        assertThat(image.getWidth()).isGreaterThan(500);
    }
}
