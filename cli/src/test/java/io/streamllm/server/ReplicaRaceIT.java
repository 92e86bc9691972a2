package io.streamllm.server;

import io.streamllm.api.StreamingModel;
import io.streamllm.server.load.ServerMetricsText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two replicas sharing a state directory get requests for the same session at once (sent to each directly, as a
 * proxy would after a failover): one holds the session's lock file while it answers; the other waits for it
 * (up to {@code --session-wait}) and then goes on from the turn the first saved, restored from its snapshot, or,
 * when the first takes longer, answers 409 with Retry-After naming the holder. Never two writers: the turns on disk
 * follow one another, and a replica whose copy in memory is older than the saved turn restores the saved one.
 */
class ReplicaRaceIT {
    private static final Pattern TEXT_CHUNK = Pattern.compile("\"content\":\"[^\"]");
    private static final String WAITING = "streamllm_session_waiting_requests";
    private static final String SNAPSHOT_RESTORES = "streamllm_session_restores_total{from=\"snapshot\"}";
    private static final String PREFILLED = "streamllm_prompt_tokens_total{source=\"prefilled\"}";

    @TempDir
    static Path stateDir;
    private static Replicas replicas;
    private static Replicas.Replica first;
    private static Replicas.Replica second;
    private static String model;

    @BeforeAll
    static void twoReplicasOnOneStateDirectory() throws Exception {
        replicas = new Replicas();
        String[] options = {"--session-wait", "3s", "--max-tokens-limit", "100000"};
        first = replicas.serve(stateDir, options);
        second = replicas.serve(stateDir, options);
        model = TestServers.get(first.url(), "/v1/models").json().at("/data/0/id").asText();
    }

    @AfterAll
    static void stop() throws InterruptedException {
        if (replicas != null) {
            replicas.close();
        }
    }

    @Test
    void theSecondWaitsThenGoesOnFromTheFirstsSavedTurn() throws Exception {
        String session = "race-wait";
        TestChat chat = new TestChat(first.url(), model, session);
        chat.say("Where did the cat go?", 5);
        chat.ask("Tell me a long story.");
        int[] secondPrompt;
        TestServers.Reply secondReply;
        try (StreamingModel tokenizer = TestServers.loadModel()) {
            TestChat other = new TestChat(second.url(), model, session);
            other.ask("Where did the cat go?");
            other.answered(chat.lastReply().at("/choices/0/message/content").asText());
            other.ask("What did the cat find?");
            secondPrompt = other.promptTokens(tokenizer);
            ServerMetricsText before = TestServers.metrics(second.url());
            CompletableFuture<TestServers.Reply> pending;
            // The first replica answers at length; while it does, the second gets a turn of the same session.
            try (Socket answering = streamUntilText(first.url(), chat.body(100_000, true).toString(), session)) {
                pending = CompletableFuture.supplyAsync(() -> TestServers.post(second.url(), "/v1/chat/completions",
                        other.body(5, false).toString(), other.headers()));
                TestServers.awaitTrue("the second replica waits for the session's lock",
                        () -> TestServers.metrics(second.url()).value(WAITING) == 1);
                assertThat(pending).isNotDone();
            } // the first's client goes away: it ends its turn, saves it, and releases the lock
            secondReply = pending.get();
            ServerMetricsText after = TestServers.metrics(second.url());
            assertThat(secondReply.status()).as(secondReply.body()).isEqualTo(200);
            assertThat(after.value("streamllm_session_lock_conflicts_total{outcome=\"waited\"}")).isEqualTo(1);

            // It went on from the first's saved (cut) turn, restored from its snapshot: what it shares with that
            // history was reused, only the rest prefilled.
            int[] savedByFirst = TestChat.sessionTokens(first.url(), session);
            assertThat(after.value(SNAPSHOT_RESTORES) - before.value(SNAPSHOT_RESTORES)).isEqualTo(1);
            int shared = TestChat.commonPrefix(savedByFirst, secondPrompt);
            assertThat(secondReply.json().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(shared);
            assertThat(after.value(PREFILLED) - before.value(PREFILLED)).isEqualTo(secondPrompt.length - shared);
        }

        // The turns follow one another on disk: the first's two, then the second's.
        int[] savedBySecond = TestChat.sessionTokens(second.url(), session);
        assertThat(TestServers.get(second.url(), "/v1/sessions/" + session).json().at("/stats/turns").asInt()).isEqualTo(3);

        // The first still holds its own turn in memory, older than the saved one: it restores the saved one instead.
        ServerMetricsText before = TestServers.metrics(first.url());
        TestServers.Reply fourth = TestServers.post(first.url(), "/v1/completions", "{\"model\":\"" + model
                + "\",\"prompt\":\"The end.\",\"max_tokens\":3,\"temperature\":0}", "X-Session-Id", session);
        assertThat(fourth.status()).as(fourth.body()).isEqualTo(200);
        ServerMetricsText after = TestServers.metrics(first.url());
        assertThat(after.value(SNAPSHOT_RESTORES) - before.value(SNAPSHOT_RESTORES)).isEqualTo(1);
        assertThat(TestServers.get(first.url(), "/v1/sessions/" + session).json().at("/stats/turns").asInt()).isEqualTo(4);
        assertThat(savedBySecond).isNotEmpty();
    }

    @Test
    void theSecondIsRefusedWith409WhileTheFirstAnswersForLongerThanItMayWait() throws Exception {
        String session = "race-refused";
        TestChat chat = new TestChat(first.url(), model, session);
        chat.ask("Tell me a long story.");
        try (Socket answering = streamUntilText(first.url(), chat.body(100_000, true).toString(), session)) {
            TestChat other = new TestChat(second.url(), model, session);
            other.ask("Hello");
            TestServers.Reply refused = TestServers.post(second.url(), "/v1/chat/completions", other.body(5, false).toString(),
                    other.headers());
            assertThat(refused.status()).as(refused.body()).isEqualTo(409);
            assertThat(refused.response().headers().firstValue("Retry-After")).hasValue("4");
            assertThat(refused.json().at("/error/code").asText()).isEqualTo("session_busy");
            assertThat(refused.json().at("/error/message").asText()).contains("another server replica")
                    .contains(first.process().pid() + "@");
            assertThat(TestServers.metrics(second.url()).value("streamllm_session_lock_conflicts_total{outcome=\"refused\"}"))
                    .isEqualTo(1);
            assertThat(answering.isClosed()).isFalse();
        }
    }

    /** Sends a streamed chat request over a socket and returns once the answer's first text arrived; close it to go away. */
    private static Socket streamUntilText(String baseUrl, String body, String session) throws Exception {
        URI uri = URI.create(baseUrl);
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: " + uri.getHost() + "\r\nContent-Type: application/json\r\n"
                + "X-Session-Id: " + session + "\r\nContent-Length: " + bytes.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        for (String line = in.readLine(); ; line = in.readLine()) {
            assertThat(line).as("the answer streams").isNotNull();
            if (TEXT_CHUNK.matcher(line).find()) {
                return socket;
            }
        }
    }
}
