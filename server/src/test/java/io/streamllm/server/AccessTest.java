package io.streamllm.server;

import org.junit.jupiter.api.Test;

import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** What the server does before it serves: API keys, the loading phase, the memory bound. */
class AccessTest {
    private static final String BODY_TEMPLATE = "{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1}";

    @Test
    void anApiKeyIsRequiredOnV1WhenConfigured() throws Exception {
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withApiKey("s3cret"), "sink:4:507")) {
            String body = BODY_TEMPLATE.formatted(server.awaitReady().id());
            TestServers.Reply missing = TestServers.post(server, "/v1/chat/completions", body);
            assertThat(missing.status()).isEqualTo(401);
            assertThat(missing.error().get("type").asText()).isEqualTo("authentication_error");
            assertThat(missing.error().get("message").asText()).contains("did not provide an API key");

            TestServers.Reply wrong = TestServers.post(server, "/v1/chat/completions", body, "Authorization", "Bearer nope");
            assertThat(wrong.status()).isEqualTo(401);
            assertThat(wrong.error().get("message").asText()).contains("incorrect API key");
            assertThat(TestServers.get(server, "/v1/models", "Authorization", "Bearer nope").status()).isEqualTo(401);

            assertThat(TestServers.post(server, "/v1/chat/completions", body, "Authorization", "Bearer s3cret").status()).isEqualTo(200);
            assertThat(TestServers.get(server, "/health").status()).isEqualTo(200); // health needs no key
        }
    }

    @Test
    void healthSays503WhileTheModelLoads() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (StreamllmServer server = StreamllmServer.start(ServerOptions.local(), () -> {
            release.await();
            return TestServers.served("sink:4:507");
        })) {
            TestServers.Reply health = TestServers.get(server, "/health");
            assertThat(health.status()).isEqualTo(503);
            assertThat(health.json().get("status").asText()).isEqualTo("loading");
            TestServers.Reply early = TestServers.post(server, "/v1/chat/completions", BODY_TEMPLATE.formatted("any"));
            assertThat(early.status()).isEqualTo(503);
            assertThat(early.error().get("message").asText()).contains("still loading");

            release.countDown();
            String model = server.awaitReady().id();
            assertThat(TestServers.get(server, "/health").status()).isEqualTo(200);
            assertThat(TestServers.post(server, "/v1/chat/completions", BODY_TEMPLATE.formatted(model)).status()).isEqualTo(200);
        }
    }

    @Test
    void sessionsThatDoNotFitTheHeapAreRefusedAtStart() {
        assertThatThrownBy(() -> TestServers.start(ServerOptions.local().withMaxSessions(50_000_000), "sink:4:507"))
                .hasMessageContaining("--max-sessions 50000000 needs")
                .hasMessageContaining("of heap are free");
    }

    @Test
    void aDenseCacheIsRefused() {
        assertThatThrownBy(() -> TestServers.start(ServerOptions.local(), "dense"))
                .hasMessageContaining("serve needs a bounded cache");
    }

    @Test
    void theLeastRecentlyUsedIdleSessionMakesRoom() throws Exception {
        try (StreamllmServer server = TestServers.start(ServerOptions.local().withMaxSessions(2), "sink:4:507")) {
            String body = BODY_TEMPLATE.formatted(server.awaitReady().id());
            for (String session : new String[] {"a", "b", "a", "c"}) {
                assertThat(TestServers.post(server, "/v1/chat/completions", body, "X-Session-Id", session).status()).isEqualTo(200);
            }
            // b was used least recently when c came: it went; a (used again after b) stayed.
            assertThat(TestServers.get(server, "/v1/sessions/b").status()).isEqualTo(404);
            assertThat(TestServers.get(server, "/v1/sessions/a").status()).isEqualTo(200);
            assertThat(TestServers.metrics(server).value("streamllm_session_evictions_total")).isEqualTo(1);
        }
    }
}
