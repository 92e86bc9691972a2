package io.streamllm.server;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions do not pile up: unused ones expire (--session-ttl), and the state directory keeps to its size (--state-max-bytes). */
class SessionRetentionTest {

    @Test
    void aSessionUnusedForItsTimeToLiveIsDeletedInMemoryAndOnDisk(@TempDir Path stateDir) throws Exception {
        ServerOptions options = ServerOptions.local().withStateDir(stateDir)
                .withLimits(ServerLimits.defaults().withSessionTtl(Duration.ofMillis(200)));
        try (StreamllmServer server = TestServers.start(options, "sink:4:507")) {
            new TestChat(server.baseUrl(), server.awaitReady().id(), "brief").say("Hello", 4);
            TestServers.awaitTrue("the session expired", () -> TestServers.get(server, "/v1/sessions/brief").status() == 404);
            assertThat(TestServers.metrics(server).value("streamllm_session_expirations_total{reason=\"ttl\"}")).isEqualTo(1);
            assertThat(TestServers.metrics(server).value("streamllm_sessions_active")).isZero();
            assertThat(files(stateDir)).isZero();
            assertThat(files(stateDir.resolve(StateDirectory.LOCKS))).as("its lock file too").isZero();
        }
    }

    @Test
    void theLeastRecentlyUsedSessionsAreDeletedWhileTheStateDirectoryIsTooBig(@TempDir Path stateDir) throws Exception {
        long oneSession;
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withStateDir(stateDir), "sink:4:507")) {
            new TestChat(server.baseUrl(), server.awaitReady().id(), "s0").say("Hello", 4);
            oneSession = bytes(stateDir);
        }
        // Room for two and a half sessions like that one; two sessions held in memory at most.
        ServerOptions options = ServerOptions.local().withStateDir(stateDir).withMaxSessions(2)
                .withLimits(ServerLimits.defaults().withStateMaxBytes(oneSession * 5 / 2));
        try (StreamllmServer server = TestServers.start(options, "sink:4:507")) {
            String model = server.awaitReady().id();
            for (int i = 1; i <= 5; i++) {
                new TestChat(server.baseUrl(), model, "s" + i).say("Hello", 4);
                Thread.sleep(20); // distinct modification times, in order
            }
            TestServers.awaitTrue("the state directory was trimmed", () -> bytes(stateDir) <= oneSession * 5 / 2);
            assertThat(TestServers.get(server, "/v1/sessions/s5").status()).as("the last one is kept").isEqualTo(200);
            assertThat(TestServers.get(server, "/v1/sessions/s0").status()).as("the first one is deleted").isEqualTo(404);
            assertThat(TestServers.metrics(server).value("streamllm_session_expirations_total{reason=\"size\"}")).isGreaterThanOrEqualTo(3);
            assertThat(TestServers.metrics(server).value("streamllm_state_dir_bytes")).isPositive();
        }
    }

    private static long bytes(Path directory) {
        try (Stream<Path> files = Files.list(directory)) {
            return files.mapToLong(file -> file.toFile().length()).sum();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The files in {@code directory} (not the directory of lock files). */
    private static long files(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.filter(Files::isRegularFile).count();
        }
    }
}
