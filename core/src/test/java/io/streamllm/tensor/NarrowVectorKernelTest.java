package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The kernels are written for any vector width, but a test JVM only exercises its machine's
 * preferred one (512 bits on AVX-512 hosts). This runs the whole {@link KernelCheck} grid again in
 * JVMs limited to 256-bit vectors (AVX2) and 128-bit vectors (NEON-sized, where one byte load
 * feeds two float vectors).
 */
public class NarrowVectorKernelTest {

    @ParameterizedTest(name = "MaxVectorSize={0}")
    @ValueSource(ints = {32, 16})
    void kernelsPassWithNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        runWithNarrowerVectors(KernelCheck.class, maxVectorBytes);
    }

    /** Runs {@code check}'s main (it prints "float vector bits: N" and "N failures") in a JVM with vectors of {@code maxVectorBytes}. */
    public static void runWithNarrowerVectors(Class<?> check, int maxVectorBytes) throws IOException, InterruptedException {
        KernelCheck.Forked run = KernelCheck.fork(check, "-XX:MaxVectorSize=" + maxVectorBytes);
        assertThat(run.finished()).isTrue();
        // The child must really have run with the narrower vectors, or this test proves nothing.
        assertThat(run.output()).contains("float vector bits: " + 8 * maxVectorBytes);
        assertThat(run.output()).contains("\n0 failures");
        assertThat(run.exitValue()).as(run.output()).isZero();
    }
}
