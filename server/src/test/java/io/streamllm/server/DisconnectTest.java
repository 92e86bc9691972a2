package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that goes away mid-answer cancels its generation, streamed or not; its session is free again. */
class DisconnectTest {

    @Test
    void closingTheStreamCancelsTheGeneration() throws Exception {
        try (StreamllmServer server = TestServers.start(TestServers.endlessAnswers())) {
            try (Socket socket = sendEndlessRequest(server, true)) {
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                assertThat(line).startsWith("HTTP/1.1 200");
                while (line != null && !line.startsWith("data: ")) {
                    line = in.readLine();
                }
                assertThat(line).as("a first chunk of text").isNotNull();
            } // the client hangs up
            assertCancelledAndFree(server);
        }
    }

    @Test
    void closingTheConnectionOfAWholeAnswerCancelsTheGeneration() throws Exception {
        try (StreamllmServer server = TestServers.start(TestServers.endlessAnswers())) {
            Socket socket = sendEndlessRequest(server, false);
            TestServers.awaitTrue("the generation started",
                    () -> TestServers.metrics(server).value("streamllm_generations_active") == 1);
            socket.close(); // the client hangs up before any byte of the answer
            assertCancelledAndFree(server);
        }
    }

    /** Greedy, this prompt never ends on its own within 100000 tokens (minutes of generation). */
    private static Socket sendEndlessRequest(StreamllmServer server, boolean stream) throws Exception {
        String body = "{\"model\":\"" + server.awaitReady().id() + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":100000,"
                + "\"temperature\":0,\"stream\":" + stream + "}";
        return TestServers.openRequest(server, "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nX-Session-Id: gone\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length, body);
    }

    private static void assertCancelledAndFree(StreamllmServer server) throws Exception {
        TestServers.awaitTrue("the generation was cancelled",
                () -> TestServers.metrics(server).value("streamllm_turns_total{finish_reason=\"cancelled\"}") >= 1);
        assertThat(TestServers.metrics(server).value("streamllm_generations_active")).isZero();
        // The session was released and keeps what was generated before the client left.
        TestServers.Reply session = TestServers.get(server, "/v1/sessions/gone");
        assertThat(session.json().at("/stats/completion_tokens").asLong()).isBetween(1L, 99_999L);
        String next = "{\"model\":\"" + server.awaitReady().id() + "\",\"prompt\":\"The end.\",\"max_tokens\":2}";
        assertThat(TestServers.post(server, "/v1/completions", next, "X-Session-Id", "gone").status()).isEqualTo(200);
    }
}
