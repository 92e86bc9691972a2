package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.Conversation;
import io.streamllm.api.Sampling;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The state directory: what a turn leaves on disk, and what a restart makes of damaged files
 * (a corrupt or torn snapshot is never read: the cache is rebuilt from the transcript's tokens).
 */
class PersistenceTest {
    private static final String CACHE = "sink:4:507";
    private static StreamingModel model;

    @BeforeAll
    static void load() {
        model = TestServers.loadModel();
    }

    @AfterAll
    static void close() {
        model.close();
    }

    private static StreamllmServer serve(Path stateDir) {
        return TestServers.start(ServerOptions.local().withStateDir(stateDir), CACHE);
    }

    /** Two turns of session "s" on a server that is then stopped; returns the answers. */
    private static List<String> twoTurns(Path stateDir) {
        try (StreamllmServer server = serve(stateDir)) {
            TestChat chat = new TestChat(server.baseUrl(), model.info().name(), "s");
            return List.of(chat.say("Where is the red ball?", 8), chat.say("Who has it?", 8));
        }
    }

    /** The third turn of session "s" (after {@link #twoTurns}) on a new server; returns its answer. */
    private static String thirdTurn(Path stateDir, List<String> answers, String expectedRestore) {
        try (StreamllmServer server = serve(stateDir)) {
            TestChat chat = new TestChat(server.baseUrl(), model.info().name(), "s");
            chat.ask("Where is the red ball?");
            chat.answered(answers.get(0));
            chat.ask("Who has it?");
            chat.answered(answers.get(1));
            String answer = chat.say("Is it big?", 8);
            assertThat(TestServers.metrics(server).value("streamllm_session_restores_total{from=\"" + expectedRestore + "\"}"))
                    .isEqualTo(1);
            return answer;
        }
    }

    private static Path onlyFile(Path dir, String glob) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            List<Path> matching = files.filter(f -> dir.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName())).toList();
            assertThat(matching).hasSize(1);
            return matching.get(0);
        }
    }

    @Test
    void aTurnLeavesItsTranscriptAndOneSnapshot(@TempDir Path stateDir) throws IOException {
        List<String> answers = twoTurns(stateDir);
        Path transcript = onlyFile(stateDir, "s-s.json");
        Path snapshot = onlyFile(stateDir, "s-s.*.snapshot"); // the first turn's snapshot was replaced
        JsonNode json = TestServers.JSON.readTree(transcript.toFile());
        assertThat(json.get("format").asText()).isEqualTo("streamllm-session");
        assertThat(json.get("id").asText()).isEqualTo("s");
        assertThat(json.get("cache").asText()).isEqualTo(CACHE);
        assertThat(json.get("snapshot").asText()).isEqualTo(snapshot.getFileName().toString());
        assertThat(json.at("/stats/turns").asInt()).isEqualTo(2);
        assertThat(json.at("/messages/3/content").asText()).isEqualTo(answers.get(1));
        assertThat(json.get("text").asText()).contains("Who has it?");
        // Human-readable: indented JSON, the conversation in plain text.
        assertThat(Files.readString(transcript)).contains("\n  \"messages\" : [");
    }

    @Test
    void aCorruptSnapshotIsRebuiltFromTheTranscript(@TempDir Path stateDir, @TempDir Path controlDir) throws IOException {
        List<String> answers = twoTurns(stateDir);
        Path snapshot = onlyFile(stateDir, "s-s.*.snapshot");
        try (RandomAccessFile file = new RandomAccessFile(snapshot.toFile(), "rw")) {
            long middle = file.length() / 2;
            file.seek(middle);
            int b = file.read();
            file.seek(middle);
            file.write(b ^ 0x10); // one flipped bit in the keys and values
        }
        String rebuilt = thirdTurn(stateDir, answers, "transcript");

        twoTurns(controlDir);
        assertThat(rebuilt).isEqualTo(thirdTurn(controlDir, answers, "snapshot"));
    }

    @Test
    void aTornSnapshotIsRebuiltFromTheTranscript(@TempDir Path stateDir) throws IOException {
        List<String> answers = twoTurns(stateDir);
        Path snapshot = onlyFile(stateDir, "s-s.*.snapshot");
        try (RandomAccessFile file = new RandomAccessFile(snapshot.toFile(), "rw")) {
            file.setLength(file.length() - 100);
        }
        thirdTurn(stateDir, answers, "transcript");
    }

    @Test
    void aSnapshotOfTheFormatBeforeTheJavaApiIsRebuiltFromTheTranscript(@TempDir Path stateDir) throws IOException {
        List<String> answers = twoTurns(stateDir);
        Path snapshot = onlyFile(stateDir, "s-s.*.snapshot");
        try (RandomAccessFile file = new RandomAccessFile(snapshot.toFile(), "rw")) {
            file.seek(4);
            file.writeInt(1); // the version field: format 1 held the engine's conversation, without a header
        }
        long crc = Transcript.fromJson(Files.readAllBytes(stateDir.resolve("s-s.json"))).snapshotCrc32c();
        assertThatThrownBy(() -> SnapshotFile.read(snapshot, crc, model)).isInstanceOf(IOException.class)
                .hasMessageContaining("is of format 1 (an older streamllm); this version reads format 2");
        thirdTurn(stateDir, answers, "transcript");
    }

    @Test
    void aSnapshotTakenUnderAnotherCacheIsRebuiltFromTheTranscript(@TempDir Path stateDir) throws IOException {
        twoTurns(stateDir);
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withStateDir(stateDir), "sink:2:300")) {
            TestChat chat = new TestChat(server.baseUrl(), model.info().name(), "s");
            chat.ask("Where is the red ball?");
            chat.say("Is it big?", 4);
            assertThat(TestServers.metrics(server).value("streamllm_session_restores_total{from=\"transcript\"}"))
                    .isEqualTo(1);
            assertThat(TestServers.get(server, "/v1/sessions/s").json().get("cache").asText()).isEqualTo("sink:2:300");
        }
    }

    @Test
    void anUnreadableTranscriptIsSetAsideAndTheSessionStartsAfresh(@TempDir Path stateDir) throws IOException {
        twoTurns(stateDir);
        Files.writeString(stateDir.resolve("s-s.json"), "{ not json");
        try (StreamllmServer server = serve(stateDir)) {
            TestChat chat = new TestChat(server.baseUrl(), model.info().name(), "s");
            chat.say("Hello again", 4);
            assertThat(chat.lastReply().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isZero();
            assertThat(TestServers.metrics(server).value("streamllm_session_restores_total{from=\"unusable\"}")).isEqualTo(1);
        }
        try (Stream<Path> files = Files.list(stateDir)) {
            assertThat(files.map(f -> f.getFileName().toString())).anyMatch(name -> name.startsWith("s-s.json.unusable-"));
        }
        // The old turn's snapshot, which no transcript names any more, is gone: only the new turn's is left.
        try (Stream<Path> files = Files.list(stateDir)) {
            assertThat(files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".snapshot")))
                    .containsExactly("s-s.1.snapshot");
        }
    }

    @Test
    void deletingASessionRemovesItsFiles(@TempDir Path stateDir) throws IOException {
        twoTurns(stateDir);
        try (StreamllmServer server = serve(stateDir)) {
            assertThat(TestServers.send(server, "DELETE", "/v1/sessions/s").status()).isEqualTo(200);
            assertThat(TestServers.get(server, "/v1/sessions/s").status()).isEqualTo(404);
        }
        try (Stream<Path> files = Files.list(stateDir)) {
            assertThat(files).containsExactly(stateDir.resolve(StateDirectory.LOCKS));
        }
        try (Stream<Path> locks = Files.list(stateDir.resolve(StateDirectory.LOCKS))) {
            assertThat(locks).as("the session's lock file too").isEmpty();
        }
    }

    @Test
    void snapshotFilesRefuseEveryDamage(@TempDir Path dir) throws IOException {
        Conversation conversation = fresh();
        conversation.reply(model.tokenizer().encode("Once upon a time"), Sampling.greedy().maxTokens(5),
                t -> { }, () -> false);
        Path file = dir.resolve("c.snapshot");
        long crc = SnapshotFile.write(file, conversation);
        byte[] good = Files.readAllBytes(file);

        Conversation restored = SnapshotFile.read(file, crc, model);
        assertThat(restored.history()).containsExactly(conversation.history());

        assertThatThrownBy(() -> SnapshotFile.read(file, crc ^ 1, model)).hasMessageContaining("fails its checksum");
        for (int at : new int[] {0, 9, good.length / 2, good.length - 1}) {
            byte[] damaged = good.clone();
            damaged[at] ^= 0x01;
            Files.write(file, damaged);
            assertThatThrownBy(() -> SnapshotFile.read(file, crc, model)).as("bit flipped at %d", at).isInstanceOf(IOException.class);
        }
        Files.write(file, java.util.Arrays.copyOf(good, good.length - 1));
        assertThatThrownBy(() -> SnapshotFile.read(file, crc, model)).isInstanceOf(IOException.class);
        Files.write(file, new byte[3]);
        assertThatThrownBy(() -> SnapshotFile.read(file, crc, model)).hasMessageContaining("truncated");
    }

    /** A new conversation on the shared model, as the server opens them. */
    private static Conversation fresh() {
        return model.newConversation(SessionOptions.of(CachePolicy.parse(CACHE)));
    }

    @Test
    void temporaryFilesOfAnInterruptedWriteAreRemovedAtStart(@TempDir Path stateDir) throws IOException {
        Path leftover = stateDir.resolve("s-x.json" + DurableFiles.TEMP_MARK + "1234");
        Files.writeString(leftover, "half a transcript");
        Files.setLastModifiedTime(leftover, java.nio.file.attribute.FileTime.fromMillis(
                System.currentTimeMillis() - StateDirectory.ABANDONED_TEMPORARY.toMillis() - 1000));
        // A recent one may be another replica's write in progress, in a state directory they share: it stays.
        Path inProgress = stateDir.resolve("s-y.json" + DurableFiles.TEMP_MARK + "5678");
        Files.writeString(inProgress, "a transcript being written");
        new StateDirectory(stateDir);
        assertThat(leftover).doesNotExist();
        assertThat(inProgress).exists();
    }
}
