package io.streamllm.cli;

import io.streamllm.api.Capabilities;
import io.streamllm.api.SyntheticModelSpec;
import io.streamllm.gguf.GgufWriter;
import io.streamllm.tensor.GgmlType;
import io.streamllm.testing.ByteSearch;
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

    @Test
    void tensorTypeWithoutKernelsNamesTensorAndType() throws IOException {
        Path file = dir.resolve("unsupported.gguf");
        SyntheticModelSpec.of("tiny", "F32").write(file, 1, bytes -> { });
        GgmlType unsupported = Arrays.stream(GgmlType.values()).filter(t -> !t.supported() && t.blockSize() > 1)
                .findFirst().orElseThrow();
        ByteSearch.patchTensorType(file, "blk.1.attn_q.weight", 2, unsupported.id());
        assertOneLineError(CliRun.of("generate", "-m", file.toString(), "-p", "hi"),
                "tensor 'blk.1.attn_q.weight' has type " + unsupported + ", which streamllm cannot compute with yet");
        ByteSearch.patchTensorType(file, "blk.1.attn_q.weight", 2, 77);
        assertOneLineError(CliRun.of("generate", "-m", file.toString(), "-p", "hi"),
                "tensor 'blk.1.attn_q.weight' has unknown tensor type id 77");
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
        // The path, the quoted name cut short, and the list of supported architectures.
        String supported = String.join(", ", Capabilities.architectures().stream().map(Capabilities.Architecture::ggufName).toList());
        assertThat(run.stderr().length()).isLessThan(file.toString().length() + supported.length() + 200);
        assertThat(run.stderr()).doesNotContain("\0").doesNotContain("\u0001");
    }

    @Test
    void badCachePolicies() {
        assertOneLineError(CliRun.of("generate", "--cache", "sink:0:0", "-n", "1"), "window must hold at least 1 token");
        assertOneLineError(CliRun.of("generate", "--cache", "window:-1", "-n", "1"), "window must hold at least 1 token");
        assertOneLineError(CliRun.of("generate", "--cache", "sliding", "-n", "1"), "unknown cache policy 'sliding'");
        CliRun tooLarge = CliRun.of("generate", "--cache", "sink:4:1000000000", "-n", "1");
        assertOneLineError(tooLarge, "MiB of KV cache");
        assertThat(tooLarge.stderr()).contains("STREAMLLM_JAVA_OPTS=-Xmx"); // the API's "heap", in launcher terms
        // The largest int is what an unbounded (dense) cache holds: it must not pass for one.
        assertOneLineError(CliRun.of("generate", "--cache", "sink:4:2147483647", "-n", "1"), "the window can hold at most");
        assertOneLineError(CliRun.of("generate", "--cache", "window:2147483647", "-n", "1"), "the window can hold at most");
        assertOneLineError(CliRun.of("generate", "--cache", "sink:2147483647:4", "-n", "1"), "sink tokens must be 0 to");
    }

    /** The API names a bad chunk in its own terms; the command line names the flag. */
    @Test
    void badChunksNameTheirFlags() {
        assertOneLineError(CliRun.of("generate", "--cache", "sink:4:8", "--evict-chunk", "9", "-n", "1"),
                "--evict-chunk 9 is larger than the window of sink:4:8");
        assertOneLineError(CliRun.of("generate", "--evict-chunk", "0", "-n", "1"), "--evict-chunk must be at least 1, got 0");
        assertOneLineError(CliRun.of("generate", "--prefill-chunk", "0", "-n", "1"), "--prefill-chunk must be at least 1, got 0");
        assertOneLineError(CliRun.of("perplexity", "--tokens", "none.json", "--cache", "window:4", "--evict-chunk", "5"),
                "--evict-chunk 5 is larger than the window of window:4");
    }

    @Test
    void threadsBeyondFourPerProcessorAreRefused() {
        assertOneLineError(CliRun.of("generate", "-t", "100000", "-n", "1"), "--threads 100000 is more than 4 per available processor");
    }

    @Test
    void synthIntoADirectoryNamesTheProblem() {
        assertOneLineError(CliRun.of("synth", "--shape", "tiny", "--type", "F32", "-o", dir.toString()),
                "is a directory; give the .gguf file to write");
    }

    @Test
    void denseCacheBeyondTheTrainedContext() {
        assertOneLineError(CliRun.of("generate", "--cache", "dense", "-n", "600"), "exceed the model's trained context of 512");
    }

    @Test
    void badOptionsGetOneLineAndWhereHelpIs() {
        CliRun run = CliRun.of("generate", "--temp", "hot");
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).isEqualTo("streamllm: Invalid value for option '--temp': 'hot' is not a float\n"
                + "Try 'streamllm generate --help' for more information.\n");
        CliRun unknown = CliRun.of("generate", "--tmep", "1");
        assertThat(unknown.stderr()).startsWith("streamllm: Unknown options: '--tmep', '1'")
                .endsWith("Try 'streamllm generate --help' for more information.\n");
        assertThat(unknown.stderr().lines().count()).isLessThanOrEqualTo(4);
        CliRun negative = CliRun.of("generate", "--temp", "-1", "-n", "1");
        assertThat(negative.exitCode()).isNotZero();
        assertThat(negative.stderr()).contains("temperature must be 0 or more");
    }
}
