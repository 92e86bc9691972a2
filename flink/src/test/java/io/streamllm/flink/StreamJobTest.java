package io.streamllm.flink;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The job on an embedded mini-cluster: its scores against a session fed the same streams without Flink. */
class StreamJobTest {
    private static final String CACHE = "sink:4:60";
    private static final String[] KEYS = {"alice", "bob", "carol"};
    private static final String[] SENTENCES = {
            "Once upon a time there was a little girl.", "She liked to play in the park.",
            "One day she saw a big dog.", "The dog was very happy.", "They played together all day.",
            "Then the sun went down and she went home.", "Her mom gave her a hug."};

    private static StreamingModel model;

    @TempDir
    Path dir;

    @BeforeAll
    static void load() {
        model = StreamingModel.load(FlinkRuns.stories260K());
    }

    @AfterAll
    static void close() {
        model.close();
    }

    /** Records interleaved over three keys, each key's stream long enough to roll its 64-token cache. */
    private static List<String[]> records() {
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 14; i++) {
            for (int k = 0; k < KEYS.length; k++) {
                records.add(new String[] {KEYS[k], SENTENCES[(i + 2 * k) % SENTENCES.length]});
            }
        }
        return records;
    }

    private Path write(List<String[]> records) throws Exception {
        StringBuilder text = new StringBuilder();
        for (String[] record : records) {
            text.append(String.join("\t", record)).append('\n');
        }
        Path input = dir.resolve("input.tsv");
        Files.writeString(input, text);
        return input;
    }

    private StreamJobSettings settings(Path input, int parallelism, String backend, String checkpoints) {
        return new StreamJobSettings(new ScorerSettings(FlinkRuns.stories260K().toString(), CACHE, 1, 7),
                input.toString(), dir.resolve("out-" + parallelism + backend).toString(), parallelism, checkpoints,
                200, backend);
    }

    /** Each key's events through one session that is never snapshotted: the mean NLL of every event's tokens. */
    private static Map<Integer, Double> referenceScores(List<String[]> records) {
        Map<String, StreamingSession> sessions = new HashMap<>();
        Map<Integer, Double> scores = new LinkedHashMap<>();
        for (int i = 0; i < records.size(); i++) {
            String[] record = records.get(i);
            boolean first = !sessions.containsKey(record[0]);
            StreamingSession session = sessions.computeIfAbsent(record[0],
                    key -> model.newSession(SessionOptions.of(CachePolicy.parse(CACHE))));
            int[] tokens = model.tokenizer().encode(record[1], first, false);
            scores.put(i + 1, session.score(tokens, nll -> { }));
        }
        return scores;
    }

    @Test
    void scoresEveryRecordAsOneUnbrokenSessionPerKeyWould() throws Exception {
        List<String[]> records = records();
        Map<Integer, Double> expected = referenceScores(records);

        List<JsonNode> out = FlinkRuns.run(settings(write(records), 2, "hashmap", null));

        assertThat(out).hasSize(records.size());
        long[] streamTokens = new long[KEYS.length];
        for (JsonNode line : out) {
            int number = line.get("line").asInt();
            assertThat(line.has("error")).as("line %s: %s", number, line).isFalse();
            assertThat(line.get("key").asText()).isEqualTo(records.get(number - 1)[0]);
            assertThat(line.get("score").asDouble()).as("line %d", number).isCloseTo(expected.get(number), within(1e-4));
            assertThat(line.get("perplexity").asDouble()).isCloseTo(Math.exp(line.get("score").asDouble()), within(1e-9));
            int k = List.of(KEYS).indexOf(line.get("key").asText());
            streamTokens[k] = Math.max(streamTokens[k], line.get("stream_tokens").asLong());
        }
        for (long tokens : streamTokens) {
            assertThat(tokens).as("each key's stream outgrows its 64-token cache").isGreaterThan(150);
        }
    }

    @Test
    void badRecordsGetAnErrorLineAndTheJobGoesOn() throws Exception {
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        input.writeBytes("a\tOnce upon a time.\n".getBytes(StandardCharsets.UTF_8));
        input.writeBytes("\n".getBytes(StandardCharsets.UTF_8)); // empty record
        input.writeBytes("b\n".getBytes(StandardCharsets.UTF_8)); // key without text
        input.writeBytes("b\t  \n".getBytes(StandardCharsets.UTF_8)); // key with blank text
        input.writeBytes(("a\t" + "the dog ran and ran. ".repeat(40) + "\n").getBytes(StandardCharsets.UTF_8));
        input.writeBytes("c\tbad \u00ff bytes\n".getBytes(StandardCharsets.ISO_8859_1)); // 0xFF is never UTF-8
        input.writeBytes("a\tThe end.\tgenerate: x\n".getBytes(StandardCharsets.UTF_8)); // bad request field
        input.writeBytes("a\tThe end.\n".getBytes(StandardCharsets.UTF_8));
        Path file = dir.resolve("bad.tsv");
        Files.write(file, input.toByteArray());

        List<JsonNode> out = FlinkRuns.run(settings(file, 1, "hashmap", null));

        assertThat(out).extracting(line -> line.get("line").asInt()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8);
        assertThat(out.get(0).has("score")).isTrue();
        assertThat(out.get(1).get("error").asText()).isEqualTo("empty record");
        assertThat(out.get(2).get("error").asText()).startsWith("no text");
        assertThat(out.get(3).get("error").asText()).startsWith("no text");
        assertThat(out.get(4).get("error").asText()).startsWith("record longer than the cache");
        assertThat(out.get(5).get("key").asText()).isEqualTo("c");
        assertThat(out.get(5).get("error").asText()).isEqualTo("invalid UTF-8 in the text");
        assertThat(out.get(6).get("error").asText()).contains("generate: N");
        // The rejected records left key a's stream as it was: the last record scores as the second of two.
        StreamingSession reference = model.newSession(SessionOptions.of(CachePolicy.parse(CACHE)));
        reference.score(model.tokenizer().encode("Once upon a time.", true, false), nll -> { });
        double expected = reference.score(model.tokenizer().encode("The end.", false, false), nll -> { });
        assertThat(out.get(7).get("score").asDouble()).isCloseTo(expected, within(1e-4));
    }

    @Test
    void continuationsAreDeterministicAndStayOutOfTheStream() throws Exception {
        List<String[]> records = new ArrayList<>(records().subList(0, 9));
        records.set(4, new String[] {records.get(4)[0], records.get(4)[1], "generate: 12"});
        Map<Integer, Double> expected = referenceScores(records);

        List<JsonNode> first = FlinkRuns.run(settings(write(records), 1, "hashmap", null));
        List<JsonNode> second = FlinkRuns.run(settings(dir.resolve("input.tsv"), 2, "hashmap", null));

        assertThat(first.get(4).get("continuation").asText()).isNotEmpty();
        assertThat(second.get(4).get("continuation").asText()).isEqualTo(first.get(4).get("continuation").asText());
        for (JsonNode line : first) {
            // had the continuation entered its key's stream, the later records of that key would score differently
            assertThat(line.get("score").asDouble()).isCloseTo(expected.get(line.get("line").asInt()), within(1e-4));
        }
    }

    @Test
    void manyKeysOnRocksDbWithCheckpointsScoreAsOnTheHeap() throws Exception {
        List<String[]> records = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            records.add(new String[] {"key-" + (i % 200), SENTENCES[i % SENTENCES.length]});
        }
        Path input = write(records);

        List<JsonNode> rocks = FlinkRuns.run(settings(input, 2, "rocksdb", dir.resolve("checkpoints").toString()));
        Map<Integer, Double> expected = referenceScores(records);

        assertThat(rocks).hasSize(records.size());
        for (JsonNode line : rocks) {
            assertThat(line.get("score").asDouble()).isCloseTo(expected.get(line.get("line").asInt()), within(1e-4));
        }
    }
}
