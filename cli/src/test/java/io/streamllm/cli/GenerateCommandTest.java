package io.streamllm.cli;

import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufMetadata;
import io.streamllm.gguf.GgufWriter;
import io.streamllm.testing.References;
import org.junit.jupiter.api.Test;

import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class GenerateCommandTest {

    @Test
    @SuppressWarnings("unchecked")
    void greedyContinuationIsLlamaCppsText() {
        Map<String, Object> greedy = ((List<Map<String, Object>>) References.json("stories260K-llamacpp.json").get("greedy")).get(0);
        String prompt = (String) greedy.get("prompt");
        int n = ((Number) greedy.get("n_predict")).intValue();
        String output = (String) greedy.get("llama_cpp_output");
        // llama-simple prints "<s> ", the prompt, the continuation, then a newline of its own.
        String continuation = output.substring(("<s> " + prompt).length(), output.length() - 1);

        CliRun run = CliRun.of("generate", "-m", References.stories260K().toString(), "-p", prompt,
                "-n", String.valueOf(n), "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isEqualTo(continuation + "\n");
        assertThat(run.stderr()).contains("generated: " + n + " tokens");
    }

    @Test
    void frequencyAndPresencePenaltiesChangeTheGreedyText() {
        CliRun plain = CliRun.of("generate", "-p", "Once upon a time", "-n", "60", "--temp", "0");
        CliRun penalized = CliRun.of("generate", "-p", "Once upon a time", "-n", "60", "--temp", "0",
                "--frequency-penalty", "1.5", "--presence-penalty", "1");
        assertThat(plain.exitCode()).isZero();
        assertThat(penalized.exitCode()).isZero();
        assertThat(penalized.stdout()).isNotEqualTo(plain.stdout());
        assertThat(CliRun.of("generate", "-p", "x", "--frequency-penalty", "3").stderr()).contains("frequency penalty");
    }

    @Test
    void theShippedModelIsTheDefault() {
        CliRun run = CliRun.of("generate", "-p", "Once upon a time", "-n", "8", "--seed", "3");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).isNotBlank();
        assertThat(run.stderr()).contains("stories-260k");
    }

    @Test
    void tinystoriesStopsAtItsWrittenEndMarker() {
        CliRun run = CliRun.of("generate", "-m", References.tinystories656k().toString(), "-n", "400", "--temp", "0");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).startsWith("Once upon a time").doesNotContain("<|end_story|>").doesNotContain("<|end");
        assertThat(run.stderr()).contains("stop: stop_string");
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenizePrintsLlamaCppsIdsWithBos() {
        for (Map<String, Object> reference : (List<Map<String, Object>>) References.json("stories260K-llamacpp.json").get("tokenize")) {
            CliRun run = CliRun.of("tokenize", "-m", References.stories260K().toString(), "-p", (String) reference.get("text"));
            assertThat(run.exitCode()).isZero();
            assertThat(run.stdout().strip()).isEqualTo(reference.get("ids").toString());
        }
    }

    @Test
    void aLongGenerationKeepsTheSinkCacheBounded() {
        CliRun run = CliRun.of("generate", "-p", "Once upon a time", "-n", "3000", "--cache", "sink:4:60",
                "--ignore-eos", "--seed", "1");
        assertThat(run.exitCode()).isZero();
        // 5 prompt tokens and 3000 generated ones went in; the cache holds 4 sinks + 60.
        assertThat(run.stderr()).contains("generated: 3000 tokens").contains("cache: 64 tokens, 2941 evicted");
    }

    /** Tokenizing needs only the vocabulary: a GGUF holding the shipped model's metadata and no tensors will do. */
    @Test
    void tokenizeReadsAVocabularyOnlyGguf(@TempDir Path dir) {
        Path vocabOnly = dir.resolve("ggml-vocab-stories260k.gguf");
        GgufWriter writer = new GgufWriter();
        try (GgufFile shipped = GgufFile.open(References.stories260K())) {
            GgufMetadata metadata = shipped.metadata();
            for (String key : metadata.keys()) {
                writer.put(key, metadata.type(key), metadata.get(key));
            }
        }
        writer.write(vocabOnly);
        String text = "One day, Tom <s> saw a big dog.";
        CliRun fromVocab = CliRun.of("tokenize", "-m", vocabOnly.toString(), "-p", text);
        assertThat(fromVocab.exitCode()).as(fromVocab.stderr()).isZero();
        assertThat(fromVocab.stdout()).isEqualTo(CliRun.of("tokenize", "-p", text).stdout()).startsWith("[1, ");
    }

    /** -f FILE and -p - (stdin) give the same prompt as -p TEXT, a final newline dropped as llama.cpp does. */
    @Test
    void aPromptFromAFileOrStdinIsTheSameAsOnTheCommandLine(@TempDir Path dir) throws IOException {
        String prompt = "Once upon a time, there was a little dog";
        Path file = Files.writeString(dir.resolve("prompt.txt"), prompt + "\n");
        String[] sampling = {"-n", "12", "--temp", "0"};
        CliRun argument = CliRun.of(concat(new String[] {"generate", "-p", prompt}, sampling));
        CliRun fromFile = CliRun.of(concat(new String[] {"generate", "-f", file.toString()}, sampling));
        assertThat(fromFile.exitCode()).as(fromFile.stderr()).isZero();
        assertThat(fromFile.stdout()).isEqualTo(argument.stdout());

        CliRun tokens = CliRun.of("tokenize", "-p", prompt);
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream((prompt + "\n").getBytes(StandardCharsets.UTF_8)));
            CliRun fromStdin = CliRun.of("tokenize", "-p", "-");
            assertThat(fromStdin.stdout()).isEqualTo(tokens.stdout());
        } finally {
            System.setIn(stdin);
        }
    }

    /** A prompt far beyond what the argument list holds. */
    @Test
    void aOneMegabytePromptFileIsRead(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("long.txt"), "The cat sat on the mat. ".repeat(44_000));
        CliRun run = CliRun.of("tokenize", "-f", file.toString());
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout().split(",").length).isGreaterThan(200_000);
    }

    @Test
    void aMissingPromptFileIsOneLine(@TempDir Path dir) {
        CliRun run = CliRun.of("generate", "-f", dir.resolve("absent.txt").toString());
        assertThat(run.exitCode()).isNotZero();
        assertThat(run.stderr()).isEqualTo("streamllm: " + dir.resolve("absent.txt") + ": no such file\n");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }

    /** A reader that closes the pipe ({@code | head -c 100}) stops the generation at the next token, quietly. */
    @Test
    void aClosedStdoutStopsTheGeneration() {
        ClosingPipe pipe = new ClosingPipe(100);
        CliRun run = CliRun.withStdout(pipe, "generate", "-n", "3000", "--ignore-eos", "--cache", "sink:4:60", "--seed", "1");
        assertThat(run.exitCode()).isEqualTo(Stdout.CLOSED_EXIT_CODE);
        assertThat(pipe.writesRefused).isBetween(1, 2);
        assertThat(run.stderr()).doesNotContain("generated:").doesNotContain("streamllm:");
    }

    /** Takes {@code capacity} bytes, then refuses every write as a closed pipe does. */
    private static final class ClosingPipe extends OutputStream {
        private int left;
        int writesRefused;

        ClosingPipe(int capacity) {
            this.left = capacity;
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            if (length > left) {
                left = 0;
                writesRefused++;
                throw new IOException("Broken pipe");
            }
            left -= length;
        }
    }
}
