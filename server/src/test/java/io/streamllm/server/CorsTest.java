package io.streamllm.server;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Browsers: with --cors-origin a page of that origin may call the API (its preflight is answered,
 * even with an API key, which preflights do not carry); other origins, and every origin by default,
 * get no CORS headers. JSON endpoints refuse bodies not declared as JSON (415), which browsers would
 * otherwise send to any server without a preflight.
 */
class CorsTest {
    private static final String PAGE = "https://chat.example.com";
    private static StreamllmServer server;

    @BeforeAll
    static void start() {
        server = TestServers.start(ServerOptions.local().withApiKey("k").withCorsOrigins(List.of(PAGE)), "sink:4:507");
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void aPreflightFromTheAllowedOriginIsAnswered() {
        TestServers.Reply preflight = TestServers.send(TestServers.request(server.baseUrl(), "/v1/chat/completions",
                "Origin", PAGE, "Access-Control-Request-Method", "POST",
                "Access-Control-Request-Headers", "authorization,content-type,x-session-id")
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody()));
        assertThat(preflight.status()).isEqualTo(200);
        assertThat(preflight.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
        assertThat(preflight.response().headers().firstValue("Access-Control-Allow-Headers").orElse(""))
                .contains("authorization").contains("x-session-id");
    }

    @Test
    void anAnswerToTheAllowedOriginSaysSoAndExposesTheSessionHeader() {
        TestServers.Reply reply = TestServers.post(server, "/v1/completions",
                "{\"model\":\"tinyllamas-stories-260k\",\"prompt\":\"Once\",\"max_tokens\":2}",
                "Origin", PAGE, "Authorization", "Bearer k", "X-Session-Id", "page");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.response().headers().firstValue("Access-Control-Allow-Origin")).hasValue(PAGE);
        assertThat(reply.response().headers().firstValue("Access-Control-Expose-Headers").orElse(""))
                .containsIgnoringCase("X-Session-Id");
    }

    @Test
    void anotherOriginGetsNoCorsHeaders() {
        TestServers.Reply reply = TestServers.get(server, "/v1/models", "Origin", "https://evil.example.net",
                "Authorization", "Bearer k");
        assertThat(reply.response().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    @Test
    void withoutTheOptionNoOriginGetsCorsHeaders() {
        try (StreamllmServer plain = TestServers.start()) {
            TestServers.Reply reply = TestServers.get(plain, "/v1/models", "Origin", PAGE);
            assertThat(reply.response().headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void aBodyNotDeclaredAsJsonGets415() {
        String body = "{\"model\":\"tinyllamas-stories-260k\",\"prompt\":\"Once\",\"max_tokens\":2}";
        TestServers.Reply text = TestServers.post(server, "/v1/completions", body, "Content-Type", "text/plain",
                "Authorization", "Bearer k");
        assertThat(text.status()).isEqualTo(415);
        assertThat(text.error().get("code").asText()).isEqualTo("unsupported_media_type");
        TestServers.Reply untyped = TestServers.send(TestServers.request(server.baseUrl(), "/v1/completions",
                "Authorization", "Bearer k").copy().POST(HttpRequest.BodyPublishers.ofString(body))
                .setHeader("Content-Type", "application/octet-stream"));
        assertThat(untyped.status()).isEqualTo(415);
        assertThat(TestServers.post(server, "/v1/completions", body, "Content-Type", "application/json; charset=utf-8",
                "Authorization", "Bearer k").status()).isEqualTo(200);
    }
}
