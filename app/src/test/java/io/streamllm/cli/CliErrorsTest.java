package io.streamllm.cli;

import io.streamllm.gguf.GgufWriter;
import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/** Bad input gets one clear line on stderr and a non-zero exit, never a stack trace. */
class CliErrorsTest {
    @TempDir
    Path dir;

    private static void assertOneLineError(CliRun run, String expected) {
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stdout()).isEmpty();
        assertThat(run.stderr()).contains(expected).doesNotContain("\tat ").doesNotContain("Exception");
        assertThat(run.stderr().lines().filter(l -> l.startsWith("streamllm: ")).count()).isEqualTo(1);
    }

    @Test
    void missingModel() {
        assertOneLineError(CliRun.of("generate", "-m", dir.resolve("absent.gguf").toString(), "-p", "hi"),
                "absent.gguf: no such file");
    }

    @Test
    void truncatedModel() throws IOException {
        Path cut = dir.resolve("cut.gguf");
        byte[] whole = Files.readAllBytes(References.stories260K());
        Files.write(cut, Arrays.copyOf(whole, whole.length - 1000));
        assertOneLineError(CliRun.of("generate", "-m", cut.toString()), "truncated file");
    }

    @Test
    void wrongMagic() throws IOException {
        Path foreign = dir.resolve("model.gguf");
        Files.writeString(foreign, "{\"this\": \"is json\"}");
        assertOneLineError(CliRun.of("tokenize", "-m", foreign.toString(), "-p", "x"), "not a GGUF file");
    }

    @Test
    void unknownArchitecture() {
        Path file = dir.resolve("mamba.gguf");
        new GgufWriter().putString("general.architecture", "mamba")
                .addTensor("token_embd.weight", new long[] {4, 2}, new float[8]).write(file);
        assertOneLineError(CliRun.of("generate", "-m", file.toString()), "unsupported architecture 'mamba'");
    }

    /** Text from the file in a message is cut short and escaped: one line, whatever bytes the file holds. */
    @Test
    void hugeBinaryStringsFromTheFileAreQuotedShort() {
        Path file = dir.resolve("huge.gguf");
        String architecture = "mamba\0" + "\u0001x".repeat(50_000);
        new GgufWriter().putString("general.architecture", architecture)
                .addTensor("token_embd.weight", new long[] {4, 2}, new float[8]).write(file);
        CliRun run = CliRun.of("generate", "-m", file.toString());
        assertOneLineError(run, "unsupported architecture 'mamba\\x00\\x01x");
        assertThat(run.stderr().length()).isLessThan(file.toString().length() + 200);
        assertThat(run.stderr()).doesNotContain("\0").doesNotContain("\u0001");
    }

    @Test
    void badCachePolicies() {
        assertOneLineError(CliRun.of("generate", "--cache", "sink:0:0", "-n", "1"), "window must hold at least 1 token");
        assertOneLineError(CliRun.of("generate", "--cache", "window:-1", "-n", "1"), "window must hold at least 1 token");
        assertOneLineError(CliRun.of("generate", "--cache", "sliding", "-n", "1"), "unknown cache policy 'sliding'");
        assertOneLineError(CliRun.of("generate", "--cache", "sink:4:2000000000", "-n", "1"), "MiB of KV cache");
    }

    @Test
    void denseCacheBeyondTheTrainedContext() {
        assertOneLineError(CliRun.of("generate", "--cache", "dense", "-n", "600"), "exceed the model's trained context of 512");
    }

    @Test
    void badOptionsGetUsage() {
        CliRun run = CliRun.of("generate", "--temp", "hot");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).contains("Invalid value for option '--temp'");
        CliRun negative = CliRun.of("generate", "--temp", "-1", "-n", "1");
        assertThat(negative.exitCode()).isNotZero();
        assertThat(negative.stderr()).contains("temperature must be 0 or more");
    }
}
