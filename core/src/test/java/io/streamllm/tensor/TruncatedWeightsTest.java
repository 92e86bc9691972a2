package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A mapped weight file cut short while compiled kernels read it must raise an InternalError (which the
 * engine reports as a changed file), not kill the JVM with SIGBUS. Runs {@link TruncatedWeightsCheck}
 * in a child JVM, with -Xbatch so that the kernels are surely compiled by C2 when the file is cut.
 */
class TruncatedWeightsTest {

    @Test
    void readingACutFileFromCompiledKernelsRaisesAnError() throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> command = List.of(java.toString(), "-Xbatch", "-XX:-CreateCoredumpOnCrash",
                "--add-modules", "jdk.incubator.vector",
                "--enable-native-access=ALL-UNNAMED",
                "-XX:ErrorFile=" + System.getProperty("java.io.tmpdir") + "/streamllm-truncated-weights-hs_err_%p.log",
                "-cp", System.getProperty("java.class.path"),
                TruncatedWeightsCheck.class.getName());
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(process.waitFor(5, TimeUnit.MINUTES)).isTrue();
        assertThat(process.exitValue()).as(output).isZero();
        for (GgmlType type : GgmlType.supportedTypes()) {
            assertThat(output).contains(type + " dot: InternalError", type + " matmul: InternalError");
        }
    }
}
