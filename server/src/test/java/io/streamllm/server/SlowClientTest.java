package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.io.UncheckedIOException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Clients that send their request slowly, never finish it, or abandon it do not hold the server's
 * connections for ever, and are counted as client errors, not server errors.
 */
class SlowClientTest {
    private static final String HEAD = "POST /v1/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + "Content-Length: 1000";

    @Test
    void aBodyThatStopsComingIsAnsweredWith408AfterTheReadTimeout() throws Exception {
        try (StreamllmServer server = TestServers.start(ServerLimits.defaults().withReadTimeout(Duration.ofMillis(300)));
             Socket socket = TestServers.openRequest(server, HEAD, "{\"model\":")) {
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
            assertThat(in.readLine()).startsWith("HTTP/1.1 408");
            assertThat(TestServers.metrics(server).value("streamllm_http_requests_total{endpoint=\"/v1/completions\",status=\"408\"}"))
                    .isEqualTo(1);
        }
    }

    @Test
    void headersThatStopComingCloseTheConnectionAfterTheReadTimeout() throws Exception {
        try (StreamllmServer server = TestServers.start(ServerLimits.defaults().withReadTimeout(Duration.ofMillis(300)));
             Socket socket = TestServers.openRequest(server, "POST /v1/completions HTTP/1.1\r\nHost: loc", "")) {
            socket.getInputStream().readAllBytes(); // returns once the server closed the connection (perhaps after a 408)
            assertThat(socket.getInputStream().read()).as("the server closed the connection").isEqualTo(-1);
        }
    }

    @Test
    void anAbortedBodyIsAClientErrorNotA500() throws Exception {
        try (StreamllmServer server = TestServers.start()) {
            try (Socket socket = TestServers.openRequest(server, HEAD, "{\"model\":")) {
                socket.shutdownOutput(); // the client gives up half-way through its body
                socket.getInputStream().readAllBytes();
            }
            String clientError = "streamllm_http_requests_total{endpoint=\"/v1/completions\",status=\"400\"}";
            String serverError = "streamllm_http_requests_total{endpoint=\"/v1/completions\",status=\"500\"}";
            TestServers.awaitTrue("the request was logged",
                    () -> TestServers.metrics(server).has(clientError) || TestServers.metrics(server).has(serverError));
            assertThat(TestServers.metrics(server).has(serverError)).as("counted as a server error").isFalse();
            assertThat(TestServers.metrics(server).value("streamllm_client_aborts_total")).isEqualTo(1);
        }
    }

    @Test
    void connectionsBeyondTheCapWaitUntilOneCloses() throws Exception {
        try (StreamllmServer server = TestServers.start(ServerLimits.defaults().withMaxConnections(2))) {
            Socket first = TestServers.openRequest(server, "GET /health HTTP/1.1\r\nHost: localhost", "");
            Socket second = TestServers.openRequest(server, "GET /health HTTP/1.1\r\nHost: localhost", "");
            first.getInputStream().read(); // both are accepted and answered, and stay open (keep-alive)
            second.getInputStream().read();
            var waiting = TestServers.request(server.baseUrl(), "/health").timeout(Duration.ofSeconds(1)).GET();
            assertThatThrownBy(() -> TestServers.send(waiting)).isInstanceOf(UncheckedIOException.class)
                    .hasCauseInstanceOf(HttpTimeoutException.class);
            first.close();
            assertThat(TestServers.get(server, "/health").status()).isEqualTo(200);
            second.close();
        }
    }
}
