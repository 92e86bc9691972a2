package io.streamllm.api;

import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** duo:S:W:R through the public API: the calibration beside the model, and the policy's two limits. */
class DuoCalibrationTest {
    @TempDir
    Path dir;

    @Test
    void aCalibrationReadsBackAsWritten() {
        DuoCalibration calibration = new DuoCalibration(new double[][]{{0.5, 0.125}, {0.25, 1}}, 4, 32, 512);
        Path file = dir.resolve("m.duo.json");
        calibration.save(file);
        DuoCalibration read = DuoCalibration.load(file);
        assertThat(read.retrievalScores()).isDeepEqualTo(calibration.retrievalScores());
        assertThat(read.sinkTokens()).isEqualTo(4);
        assertThat(read.localTokens()).isEqualTo(32);
        assertThat(read.tokens()).isEqualTo(512);
        assertThat(read.retrievalHeads(0.5)).isDeepEqualTo(new boolean[][]{{true, false}, {false, true}});
        assertThat(DuoCalibration.fileFor(Path.of("models", "x.gguf")).getFileName().toString()).isEqualTo("x.gguf.duo.json");
    }

    @Test
    void noRetrievalHeadsIsTheSinkCacheAndAllOfThemIsDense() throws Exception {
        Path model = Files.copy(References.stories260K(), dir.resolve("stories260K.gguf"));
        int[] stream = Arrays.copyOf(References.ints(References.json("stories260K-stream-seed0.json").get("tokens")), 200);
        try (StreamingModel loaded = StreamingModel.load(model)) {
            assertThatThrownBy(() -> loaded.newSession(CachePolicy.parse("duo:4:60:0.5")))
                    .isInstanceOf(InvalidSettingException.class)
                    .hasMessageContaining("no duo calibration at " + DuoCalibration.fileFor(model));

            int layers = loaded.info().layers();
            double[][] scores = new double[layers][loaded.info().kvHeads()];
            for (double[] layer : scores) {
                Arrays.setAll(layer, h -> h / 10.0);
            }
            new DuoCalibration(scores, 4, 32, 512).save(DuoCalibration.fileFor(model));

            double sink = loaded.newSession(CachePolicy.sink(4, 60)).score(stream, t -> { });
            double dense = loaded.newSession(CachePolicy.dense()).score(stream, t -> { });
            double half = loaded.newSession(CachePolicy.duo(4, 60, 0.5)).score(stream, t -> { });
            assertThat(loaded.newSession(CachePolicy.duo(4, 60, 0)).score(stream, t -> { })).isCloseTo(sink, within(1e-5));
            assertThat(loaded.newSession(CachePolicy.duo(4, 60, 1)).score(stream, t -> { })).isCloseTo(dense, within(1e-5));
            assertThat(half).isNotCloseTo(sink, within(1e-6)).isNotCloseTo(dense, within(1e-6));
        }
    }

    @Test
    void theShippedModelsCarryTheirCalibrations() {
        for (Path model : new Path[]{References.stories260K(), References.tinystories656k()}) {
            DuoCalibration calibration = DuoCalibration.load(DuoCalibration.fileFor(model));
            for (double[] layer : calibration.retrievalScores()) {
                for (double score : layer) {
                    assertThat(score).isBetween(0.0, 1.0);
                }
            }
        }
    }
}
