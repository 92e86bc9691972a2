package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Stopping the server (what SIGTERM does, through the shutdown hook) drains it: no new connections,
 * and a stream in flight past the grace period ends with a last chunk (finish_reason "length") and
 * [DONE] instead of being cut.
 */
class ShutdownTest {

    @Test
    void aStreamInFlightEndsWithAFinishReasonAndDone() throws Exception {
        StreamllmServer server = TestServers.start(TestServers.endlessAnswers().withShutdownGrace(Duration.ofMillis(200)));
        URI address = URI.create(server.baseUrl());
        String body = "{\"model\":\"" + server.awaitReady().id() + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":100000,"
                + "\"temperature\":0,\"stream\":true}";
        List<String> events = new ArrayList<>();
        try (Socket socket = TestServers.openRequest(server, "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\n"
                + "Content-Type: application/json\r\nContent-Length: " + body.getBytes(StandardCharsets.UTF_8).length, body)) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            String line = in.readLine();
            while (line != null && !line.startsWith("data: ")) {
                line = in.readLine();
            }
            assertThat(line).as("the answer started").isNotNull();
            Thread stopping = Thread.ofPlatform().start(server::close);
            for (; line != null; line = in.readLine()) {
                if (line.startsWith("data: ")) {
                    events.add(line);
                }
            }
            stopping.join();
        }
        assertThat(events).last().isEqualTo("data: [DONE]");
        assertThat(events.get(events.size() - 2)).contains("\"finish_reason\":\"length\"");
        assertThatThrownBy(() -> new Socket(address.getHost(), address.getPort()).close()).isInstanceOf(ConnectException.class);
    }
}
