package io.streamllm.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code streamllm stream} on the embedded mini-cluster: one JSON line per record on stdout, progress on stderr. */
class StreamCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String RECORDS = """
            a\tOnce upon a time there was a cat.
            b\tThe sun was hot.
            a\tThe cat liked milk.\tgenerate: 8
            b
            b\tThe children went to the sea.
            """;

    @TempDir
    Path dir;

    private static List<JsonNode> lines(String stdout) throws Exception {
        List<JsonNode> lines = new ArrayList<>();
        for (String line : stdout.split("\n")) {
            lines.add(JSON.readTree(line));
        }
        lines.sort(Comparator.comparingLong(node -> node.get("line").asLong()));
        return lines;
    }

    @Test
    void writesOneJsonLinePerRecordFromAFileOrStdin() throws Exception {
        Path input = dir.resolve("records.tsv");
        Files.writeString(input, RECORDS);

        CliRun fromFile = CliRun.of("stream", "--input", input.toString(), "--cache", "sink:4:60", "--parallelism", "2");
        CliRun fromStdin;
        InputStream stdin = System.in;
        try {
            System.setIn(new ByteArrayInputStream(RECORDS.getBytes(StandardCharsets.UTF_8)));
            fromStdin = CliRun.of("stream", "--input", "-", "--cache", "sink:4:60");
        } finally {
            System.setIn(stdin);
        }

        assertThat(fromFile.exitCode()).as(fromFile.stderr()).isZero();
        assertThat(fromStdin.exitCode()).as(fromStdin.stderr()).isZero();
        List<JsonNode> lines = lines(fromFile.stdout());
        assertThat(lines).extracting(line -> line.get("key").asText()).containsExactly("a", "b", "a", "b", "b");
        assertThat(lines.get(2).get("continuation").asText()).isNotEmpty();
        assertThat(lines.get(3).get("error").asText()).startsWith("no text");
        assertThat(lines.get(4).get("score").asDouble()).isPositive();
        assertThat(fromFile.stderr()).contains("stream: 5 records");
        // the same records, the same results, whatever the parallelism and however they came in (the scores to
        // float rounding: the JIT may compile the kernels between the runs, and a compiled vector sum may round
        // differently from an interpreted one)
        List<JsonNode> again = lines(fromStdin.stdout());
        assertThat(again).hasSameSizeAs(lines);
        for (int i = 0; i < lines.size(); i++) {
            for (String field : List.of("line", "key", "tokens", "stream_tokens", "continuation", "error")) {
                assertThat(again.get(i).get(field)).as("line %d %s", i + 1, field).isEqualTo(lines.get(i).get(field));
            }
            if (lines.get(i).has("score")) {
                assertThat(again.get(i).get("score").asDouble()).isCloseTo(lines.get(i).get("score").asDouble(),
                        org.assertj.core.api.Assertions.within(1e-5));
            }
        }
    }

    @Test
    void badArgumentsAreOneLineErrors() {
        CliRun missing = CliRun.of("stream", "--input", dir.resolve("nope.tsv").toString());
        CliRun parallelism = CliRun.of("stream", "--input", "-", "--parallelism", "0");
        CliRun cache = CliRun.of("stream", "--input", "-", "--cache", "sink:x");

        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.stderr().strip()).startsWith("streamllm: --input").contains("no such readable file").doesNotContain("\n");
        assertThat(parallelism.stderr().strip()).isEqualTo("streamllm: --parallelism must be at least 1, got 0");
        assertThat(cache.exitCode()).isEqualTo(1);
        assertThat(cache.stderr().strip()).startsWith("streamllm: ").doesNotContain("\n");
    }
}
