package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every kind of bad request gets a 4xx in OpenAI's error format with a message that says what is
 * wrong, and the server goes on serving.
 */
class BadRequestTest {
    private static final String CHAT = "/v1/chat/completions";
    private static final String COMPLETIONS = "/v1/completions";
    private static final int MAX_BODY = 4096;
    private static StreamllmServer server;
    private static String model;

    @BeforeAll
    static void start() throws Exception {
        server = TestServers.start(ServerOptions.local().withMaxBodyBytes(MAX_BODY).withMaxSessions(3), "sink:4:507");
        model = server.awaitReady().id();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Asserts an OpenAI error: status, type, param, and words the message must contain. */
    private static void assertError(TestServers.Reply reply, int status, String param, String messagePart) {
        assertThat(reply.status()).as(reply.body()).isEqualTo(status);
        assertThat(reply.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/json"));
        JsonNode error = reply.error();
        assertThat(error).as(reply.body()).isNotNull();
        assertThat(error.get("message").asText()).contains(messagePart);
        assertThat(error.get("type").asText()).isNotBlank();
        assertThat(error.has("code")).isTrue();
        assertThat(error.get("param").isNull() ? null : error.get("param").asText()).isEqualTo(param);
    }

    private String chat(String fields) {
        return "{\"model\":\"" + model + "\"" + (fields.isEmpty() ? "" : "," + fields) + "}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            no messages            | ''                                                    | messages    | you must provide messages
            messages not an array  | "messages":"hello"                                    | messages    | must be an array
            empty messages         | "messages":[]                                         | messages    | must not be empty
            message not an object  | "messages":["hi"]                                     | messages[0] | must be an object
            unknown role           | "messages":[{"role":"robot","content":"x"}]           | messages[0].role | must be one of
            content a number       | "messages":[{"role":"user","content":5}]              | messages[0].content | must be a string
            content missing        | "messages":[{"role":"user"}]                          | messages[0].content | is missing
            image content          | "messages":[{"role":"user","content":[{"type":"image_url","image_url":{}}]}] | messages[0].content[0] | only text
            max_tokens a string    | "messages":[{"role":"user","content":"x"}],"max_tokens":"5"  | max_tokens | whole number
            max_tokens zero        | "messages":[{"role":"user","content":"x"}],"max_tokens":0    | max_tokens | at least 1
            temperature too high   | "messages":[{"role":"user","content":"x"}],"temperature":7   | temperature | between
            top_p zero             | "messages":[{"role":"user","content":"x"}],"top_p":0         | top_p | between
            stream not a boolean   | "messages":[{"role":"user","content":"x"}],"stream":"yes"    | stream | true or false
            stop a number          | "messages":[{"role":"user","content":"x"}],"stop":3          | stop | string
            empty stop             | "messages":[{"role":"user","content":"x"}],"stop":[""]       | stop | must not be empty
            seed a fraction        | "messages":[{"role":"user","content":"x"}],"seed":1.5        | seed | whole number
            too many answers       | "messages":[{"role":"user","content":"x"}],"n":17            | n | between 1 and 16
            no answer              | "messages":[{"role":"user","content":"x"}],"n":0             | n | between 1 and 16
            top_logprobs alone     | "messages":[{"role":"user","content":"x"}],"top_logprobs":2  | top_logprobs | needs logprobs
            top_logprobs too many  | "messages":[{"role":"user","content":"x"}],"logprobs":true,"top_logprobs":21 | top_logprobs | between 0 and 20
            logit_bias not object  | "messages":[{"role":"user","content":"x"}],"logit_bias":[1]  | logit_bias | must be an object
            logit_bias bad key     | "messages":[{"role":"user","content":"x"}],"logit_bias":{"a":1} | logit_bias | token ids
            logit_bias too strong  | "messages":[{"role":"user","content":"x"}],"logit_bias":{"5":101} | logit_bias | [-100, 100]
            lone surrogate         | "messages":[{"role":"user","content":"a\\ud800b"}]           | messages[0].content | surrogate
            """)
    void invalidChatFields(String name, String fields, String param, String messagePart) {
        assertError(TestServers.post(server, CHAT, chat(fields)), 400, param, messagePart);
    }

    @Test
    void invalidCompletionFields() {
        assertError(TestServers.post(server, COMPLETIONS, chat("")), 400, "prompt", "you must provide a prompt");
        assertError(TestServers.post(server, COMPLETIONS, chat("\"prompt\":[\"a\",\"b\"]")), 400, "prompt", "exactly one");
        assertError(TestServers.post(server, COMPLETIONS, chat("\"prompt\":\"x\",\"echo\":1")), 400, "echo", "true or false");
        assertError(TestServers.post(server, COMPLETIONS, chat("\"prompt\":\"x\",\"logprobs\":6")), 400, "logprobs", "between 0 and 5");
        assertError(TestServers.post(server, COMPLETIONS, chat("\"prompt\":\"x\",\"logit_bias\":{\"512\":1}")), 400,
                "logit_bias", "outside the vocabulary");
        assertError(TestServers.post(server, COMPLETIONS, "{\"prompt\":\"x\"}"), 400, "model", "you must provide a model");
    }

    @Test
    void malformedBodies() {
        assertError(TestServers.post(server, CHAT, "{\"model\": \"x\", "), 400, null, "not valid JSON");
        assertError(TestServers.post(server, CHAT, "[1, 2]"), 400, null, "must be a JSON object");
        assertError(TestServers.post(server, CHAT, ""), 400, null, "empty");
        assertError(TestServers.post(server, CHAT, "{\"a\":1} {\"b\":2}"), 400, null, "not valid JSON");
        assertError(TestServers.post(server, CHAT, "{\"model\":\"a\",\"model\":\"b\"}"), 400, null, "Duplicate field");
        byte[] latin1 = chat("\"prompt\":\"caf\u00e9\"").getBytes(StandardCharsets.ISO_8859_1);
        assertError(TestServers.postBytes(server, COMPLETIONS, latin1), 400, null, "not valid UTF-8");
    }

    @Test
    void oversizedBodies() {
        String big = chat("\"prompt\":\"" + "a".repeat(MAX_BODY) + "\"");
        assertError(TestServers.post(server, COMPLETIONS, big), 413, null, "limit of " + MAX_BODY + " bytes");
    }

    @Test
    void unknownModel() {
        assertError(TestServers.post(server, CHAT, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"),
                404, "model", "'gpt-4o' does not exist");
        assertError(TestServers.get(server, "/v1/models/gpt-4o"), 404, "model", "does not exist");
    }

    @Test
    void unknownEndpointsAndMethods() {
        assertError(TestServers.get(server, "/v1/audio/speech"), 404, null, "unknown endpoint GET /v1/audio/speech");
        assertError(TestServers.get(server, "/v1/embeddings"), 405, null, "method GET is not allowed");
        assertError(TestServers.get(server, CHAT), 405, null, "method GET is not allowed");
        assertError(TestServers.send(server, "PUT", "/v1/models"), 405, null, "is not allowed");
        assertError(TestServers.get(server, "/v1/sessions/nobody"), 404, "id", "no session 'nobody'");
    }

    @Test
    void invalidSessionIds() {
        String body = chat("\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":1");
        assertError(TestServers.post(server, CHAT, body, "X-Session-Id", " "), 400, "X-Session-Id", "session id");
        assertError(TestServers.post(server, CHAT, body, "X-Session-Id", "x".repeat(300)), 400, "X-Session-Id", "session id");
    }

    @Test
    void aBusySessionIsRefusedWith409() {
        String body = chat("\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2");
        try (SessionStore.Lease held = server.sessions().acquire("busy")) {
            assertError(TestServers.post(server, CHAT, body, "X-Session-Id", "busy"), 409, null, "answering another request");
            assertThat(TestServers.post(server, CHAT, body, "X-Session-Id", "other").status()).isEqualTo(200);
        }
        assertThat(TestServers.post(server, CHAT, body, "X-Session-Id", "busy").status()).isEqualTo(200);
    }

    @Test
    void whenEverySessionIsBusyANewOneIsRefusedWith503() {
        String body = chat("\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2");
        try (SessionStore.Lease a = server.sessions().acquire("full-a");
             SessionStore.Lease b = server.sessions().acquire("full-b");
             SessionStore.Lease c = server.sessions().acquire("full-c")) {
            assertError(TestServers.post(server, CHAT, body, "X-Session-Id", "full-d"), 503, null, "all 3 sessions");
            assertError(TestServers.post(server, CHAT, body), 503, null, "--max-sessions");
        }
        assertThat(TestServers.post(server, CHAT, body, "X-Session-Id", "full-d").status()).isEqualTo(200);
    }

    @Test
    void theServerStillAnswersAfterBadRequests() {
        TestServers.post(server, CHAT, "{");
        TestServers.postBytes(server, CHAT, new byte[] {(byte) 0xc3, (byte) 0x28});
        TestServers.Reply reply = TestServers.post(server, CHAT, chat("\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":3"));
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().at("/usage/completion_tokens").asInt()).isBetween(1, 3);
        assertThat(TestServers.get(server, "/health").status()).isEqualTo(200);
    }
}
