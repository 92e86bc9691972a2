package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A client that goes away mid-answer cancels its generation; its session is free again. */
class DisconnectTest {

    @Test
    void closingTheStreamCancelsTheGeneration() throws Exception {
        try (StreamllmServer server = TestServers.start()) {
            String model = server.awaitReady().id();
            // Greedy, this prompt never ends on its own within 100000 tokens (minutes of generation).
            String body = "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":100000,"
                    + "\"temperature\":0,\"stream\":true}";
            URI uri = URI.create(server.baseUrl());
            try (Socket socket = new Socket(uri.getHost(), uri.getPort())) {
                OutputStream out = socket.getOutputStream();
                out.write(("POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nX-Session-Id: gone\r\n"
                        + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length
                        + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
                out.flush();
                BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
                String line = in.readLine();
                assertThat(line).startsWith("HTTP/1.1 200");
                while (line != null && !line.startsWith("data: ")) {
                    line = in.readLine();
                }
                assertThat(line).as("a first chunk of text").isNotNull();
            } // the client hangs up

            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (TestServers.metrics(server).value("streamllm_turns_total{finish_reason=\"cancelled\"}") < 1) {
                assertThat(System.nanoTime()).as("the generation was cancelled").isLessThan(deadline);
                Thread.sleep(20);
            }
            assertThat(TestServers.metrics(server).value("streamllm_generations_active")).isZero();
            // The session was released and keeps what was generated before the client left.
            TestServers.Reply session = TestServers.get(server, "/v1/sessions/gone");
            assertThat(session.json().at("/stats/completion_tokens").asLong()).isBetween(1L, 99_999L);
            String next = "{\"model\":\"" + model + "\",\"prompt\":\"The end.\",\"max_tokens\":2}";
            assertThat(TestServers.post(server, "/v1/completions", next, "X-Session-Id", "gone").status()).isEqualTo(200);
        }
    }
}
