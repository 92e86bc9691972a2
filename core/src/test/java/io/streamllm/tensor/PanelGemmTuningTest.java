package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * {@link PanelGemm}'s blocking is tunable by system properties, read once per JVM. This runs the
 * {@link KernelCheck} grid in a JVM tuned to the extremes, so that every block boundary falls inside
 * the test shapes: panels of a single tile, column blocks of 7, and every batch (even 1) on this path.
 */
class PanelGemmTuningTest {

    @Test
    void kernelsPassWithTheSmallestBlocks() throws IOException, InterruptedException {
        KernelCheck.Forked run = KernelCheck.fork(
                "-Dstreamllm.gemmPanelBytes=1", "-Dstreamllm.gemmKBlock=7", "-Dstreamllm.gemmMinBatch=1");
        assertThat(run.finished()).isTrue();
        // The child must really have run with the tuning, or this test proves nothing.
        assertThat(run.output()).contains("PanelGemm: min batch 1, panel bytes 1, column block 7");
        assertThat(run.output()).contains("\n0 failures");
        assertThat(run.exitValue()).as(run.output()).isZero();
    }
}
