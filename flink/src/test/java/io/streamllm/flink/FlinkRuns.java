package io.streamllm.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Test helpers: the shipped model, and a job run on an embedded mini-cluster with its output read back. */
final class FlinkRuns {
    static final ObjectMapper JSON = new ObjectMapper();

    private FlinkRuns() {
    }

    static Path stories260K() {
        Path here = Path.of("").toAbsolutePath();
        for (Path dir = here; dir != null; dir = dir.getParent()) {
            Path model = dir.resolve("models/stories260K/stories260K.gguf");
            if (Files.exists(model)) {
                return model;
            }
        }
        throw new IllegalStateException("models/stories260K not found above " + here);
    }

    /** Runs the job to its end on a local mini-cluster; returns its output lines, ordered by input line. */
    static List<JsonNode> run(StreamJobSettings settings) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(
                settings.parallelism(), StreamJob.configuration(settings));
        StreamJob.build(env, settings);
        env.execute("test");
        return readOutput(Path.of(settings.output()));
    }

    static List<JsonNode> readOutput(Path dir) throws IOException {
        List<JsonNode> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                for (String line : Files.readAllLines(file)) {
                    try {
                        lines.add(JSON.readTree(line));
                    } catch (IOException e) {
                        throw new UncheckedIOException("not a JSON line in " + file + ": " + line, e);
                    }
                }
            }
        }
        lines.sort(Comparator.comparingLong(node -> node.get("line").asLong()));
        return lines;
    }
}
