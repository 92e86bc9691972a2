package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A session answers one request at a time: a second one waits in a short line instead of failing at
 * once, and gets 409 with Retry-After when the wait runs out. Answers are capped by --max-tokens-limit,
 * and the user field names a session only with --session-from-user.
 */
class BusySessionTest {

    @Test
    void aSecondRequestWaitsForTheSessionAndIsAnswered() throws Exception {
        try (StreamllmServer server = TestServers.start(TestServers.endlessAnswers().withSessionQueue(4, Duration.ofSeconds(60)))) {
            String model = server.awaitReady().id();
            Socket first = streamInSession(server, model, 100_000);
            CompletableFuture<TestServers.Reply> second = CompletableFuture.supplyAsync(() -> TestServers.post(server,
                    "/v1/completions", completion(model, 2, false), "X-Session-Id", "busy"));
            TestServers.awaitTrue("the second request waits (or was refused)", () -> second.isDone()
                    || TestServers.metrics(server).value("streamllm_session_waiting_requests") == 1);
            first.close(); // the first client leaves: its answer ends, and the session is free
            assertThat(second.get().status()).as(second.get().body()).isEqualTo(200);
        }
    }

    @Test
    void aRequestThatWaitedTooLongGets409WithRetryAfter() throws Exception {
        try (StreamllmServer server = TestServers.start(TestServers.endlessAnswers()
                .withSessionQueue(4, Duration.ofMillis(100)))) {
            String model = server.awaitReady().id();
            Socket first = streamInSession(server, model, 100_000);
            TestServers.Reply second = TestServers.post(server, "/v1/completions", completion(model, 2, false),
                    "X-Session-Id", "busy");
            first.close();
            assertThat(second.status()).isEqualTo(409);
            assertThat(second.error().get("code").asText()).isEqualTo("session_busy");
            assertThat(second.response().headers().firstValue("Retry-After")).isPresent();
        }
    }

    @Test
    void maxTokensAboveTheServersLimitIsRefused() {
        try (StreamllmServer server = TestServers.start(ServerLimits.defaults().withMaxTokensLimit(300))) {
            String model = server.awaitReady().id();
            TestServers.Reply refused = TestServers.post(server, "/v1/completions", completion(model, 301, false));
            assertThat(refused.status()).isEqualTo(400);
            assertThat(refused.error().get("param").asText()).isEqualTo("max_tokens");
            assertThat(TestServers.post(server, "/v1/completions", completion(model, 300, false)).status()).isEqualTo(200);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void theUserFieldNamesASessionOnlyWhenTheServerIsToldSo() throws Exception {
        String withUser = "{\"model\":\"tinyllamas-stories-260k\",\"prompt\":\"Once\",\"max_tokens\":2,\"user\":\"carol\"}";
        try (StreamllmServer server = TestServers.start()) {
            assertThat(TestServers.post(server, "/v1/completions", withUser).status()).isEqualTo(200);
            assertThat(TestServers.get(server, "/v1/sessions/carol").status()).isEqualTo(404);
        }
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withSessionFromUser(true), "sink:4:507")) {
            assertThat(TestServers.post(server, "/v1/completions", withUser).status()).isEqualTo(200);
            assertThat(TestServers.get(server, "/v1/sessions/carol").status()).isEqualTo(200);
        }
    }

    /** Starts a streamed answer in session "busy" and returns once its first text arrived (the session is then busy). */
    private static Socket streamInSession(StreamllmServer server, String model, int maxTokens) throws Exception {
        String body = completion(model, maxTokens, true);
        Socket socket = TestServers.openRequest(server, "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nX-Session-Id: busy\r\n"
                + "Connection: close\r\nContent-Type: application/json\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length, body);
        BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
        String line = in.readLine();
        while (line != null && !line.startsWith("data: ")) {
            line = in.readLine();
        }
        assertThat(line).as("a first chunk").isNotNull();
        return socket;
    }

    /** Greedy, "Once upon a time" does not end on its own for a long while. */
    private static String completion(String model, int maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":" + maxTokens
                + ",\"temperature\":0,\"stream\":" + stream + "}";
    }
}
