package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * llama-server's extras: /tokenize and /detokenize against the model's tokenizer, /props, and the slots as
 * sessions: a session saved to a slot file and restored into another holds the same tokens and continues
 * the same way, reusing its cache; file names that leave the state directory's slots folder are refused.
 */
class LlamaServerExtrasTest {
    @TempDir
    static Path stateDir;
    private static StreamllmServer server;
    private static StreamingModel model;
    private static String modelId;

    @BeforeAll
    static void start() {
        server = TestServers.start(ServerOptions.local().withStateDir(stateDir).withMaxSessions(8), "sink:4:507");
        model = TestServers.loadModel();
        modelId = model.info().name();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static int[] ints(JsonNode array) {
        int[] values = new int[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = array.get(i).asInt();
        }
        return values;
    }

    @Test
    void tokenizeIsTheModelsTokenizer() {
        Tokenizer tokenizer = model.tokenizer();
        String text = "Once upon a time, Lily saw a cat.";
        JsonNode plain = TestServers.post(server, "/tokenize", "{\"content\":\"" + text + "\"}").json();
        assertThat(ints(plain.get("tokens"))).isEqualTo(tokenizer.encode(text, false, true));
        JsonNode withBos = TestServers.post(server, "/tokenize", "{\"content\":\"" + text + "\",\"add_special\":true}").json();
        assertThat(ints(withBos.get("tokens"))).isEqualTo(tokenizer.encode(text, true, true));

        JsonNode pieces = TestServers.post(server, "/tokenize", "{\"content\":\"" + text + "\",\"with_pieces\":true}").json();
        StringBuilder joined = new StringBuilder();
        for (JsonNode token : pieces.get("tokens")) {
            assertThat(token.get("piece").asText())
                    .isEqualTo(new String(tokenizer.decodeBytes(token.get("id").asInt()), StandardCharsets.UTF_8));
            joined.append(token.get("piece").asText());
        }
        assertThat(joined.toString().strip()).isEqualTo(text);
    }

    @Test
    void detokenizeReversesTokenize() {
        String text = "The dog ran to the park.";
        int[] ids = model.tokenizer().encode(text, true, false);
        JsonNode body = TestServers.post(server, "/detokenize", "{\"tokens\":" + Arrays.toString(ids) + "}").json();
        assertThat(body.get("content").asText()).isEqualTo(model.tokenizer().decode(ids)).isEqualTo(text);

        TestServers.Reply bad = TestServers.post(server, "/detokenize", "{\"tokens\":[1, " + model.tokenizer().vocabularySize() + "]}");
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.error().get("param").asText()).isEqualTo("tokens");
        assertThat(TestServers.post(server, "/tokenize", "{}").status()).isEqualTo(400);
    }

    @Test
    void propsDescribeTheServer() {
        JsonNode props = TestServers.get(server, "/props").json();
        assertThat(props.get("total_slots").asInt()).isEqualTo(8);
        assertThat(props.at("/default_generation_settings/n_ctx").asInt()).isEqualTo(4 + 507);
        assertThat(props.at("/default_generation_settings/params/n_predict").asInt()).isEqualTo(ServerOptions.DEFAULT_MAX_TOKENS);
        assertThat(props.get("model_alias").asText()).isEqualTo(modelId);
        assertThat(props.has("chat_template")).isTrue();
    }

    @Test
    void aSavedSlotRestoredIntoAnotherSessionContinuesTheSameWay() throws Exception {
        TestChat alpha = new TestChat(server.baseUrl(), modelId, "alpha");
        alpha.say("Once upon a time there was a cat.", 10);
        alpha.say("What did the cat do?", 10);
        int[] alphaTokens = TestChat.sessionTokens(server.baseUrl(), "alpha");

        JsonNode slots = TestServers.get(server, "/slots").json();
        assertThat(slots.findValuesAsText("id")).contains("alpha");

        JsonNode saved = TestServers.post(server, "/slots/alpha?action=save", "{\"filename\":\"alpha.bin\"}").json();
        assertThat(saved.get("n_saved").asInt()).isEqualTo(alphaTokens.length);
        Path file = stateDir.resolve("slots").resolve("alpha.bin");
        assertThat(saved.get("n_written").asLong()).isEqualTo(Files.size(file));

        JsonNode restored = TestServers.post(server, "/slots/beta?action=restore", "{\"filename\":\"alpha.bin\"}").json();
        assertThat(restored.get("n_restored").asInt()).isEqualTo(alphaTokens.length);
        assertThat(TestChat.sessionTokens(server.baseUrl(), "beta")).isEqualTo(alphaTokens);

        // the same next turn in both gives the same answer; beta finds in its restored cache every token of its
        // prompt that the history holds (after a restore the history's text is not known, so the prompt is
        // tokenized afresh, and its common start with the history is what can be reused)
        TestChat beta = alpha.at(server.baseUrl());
        TestChat probe = alpha.at(server.baseUrl());
        probe.ask("And then?");
        int[] betaPrompt = probe.promptTokens(model);
        String alphaNext = alpha.say("And then?", 10);
        TestChat betaSession = new TestChat(server.baseUrl(), modelId, "beta");
        for (JsonNode message : beta.body(10, false).get("messages")) {
            if (message.get("role").asText().equals("user")) {
                betaSession.ask(message.get("content").asText());
            } else {
                betaSession.answered(message.get("content").asText());
            }
        }
        assertThat(betaSession.say("And then?", 10)).isEqualTo(alphaNext);
        int reusable = TestChat.commonPrefix(alphaTokens, betaPrompt);
        assertThat(reusable).isGreaterThan(10);
        assertThat(betaSession.lastReply().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(reusable);

        JsonNode erased = TestServers.post(server, "/slots/beta?action=erase", "").json();
        assertThat(erased.get("n_erased").asInt()).isPositive();
        assertThat(TestServers.get(server, "/v1/sessions/beta").status()).isEqualTo(404);
    }

    @Test
    void slotFileNamesCannotLeaveTheSlotsFolder() {
        new TestChat(server.baseUrl(), modelId, "gamma").say("Hi", 3);
        for (String name : new String[] {"../escape.bin", "..", ".", "a/b.bin", "/etc/passwd", ".hidden", "x\\\\y", ""}) {
            TestServers.Reply reply = TestServers.post(server, "/slots/gamma?action=save", "{\"filename\":\"" + name + "\"}");
            assertThat(reply.status()).as(name).isEqualTo(400);
            assertThat(reply.error().get("param").asText()).isEqualTo("filename");
        }
        assertThat(stateDir.getParent().resolve("escape.bin")).doesNotExist();
        assertThat(TestServers.post(server, "/slots/gamma?action=restore", "{\"filename\":\"missing.bin\"}").status()).isEqualTo(404);
        assertThat(TestServers.post(server, "/slots/gamma?action=flush", "{}").status()).isEqualTo(400);
        assertThat(TestServers.post(server, "/slots/nobody?action=save", "{\"filename\":\"n.bin\"}").status()).isEqualTo(404);
    }

    @Test
    void aDamagedSlotFileIsRefused() throws Exception {
        Files.createDirectories(stateDir.resolve("slots"));
        Files.write(stateDir.resolve("slots").resolve("junk.bin"), new byte[100]);
        TestServers.Reply reply = TestServers.post(server, "/slots/delta?action=restore", "{\"filename\":\"junk.bin\"}");
        assertThat(reply.status()).isEqualTo(400);
        assertThat(reply.error().get("message").asText()).contains("junk.bin");
    }

    @Test
    void slotFilesNeedAStateDirectory() {
        try (StreamllmServer plain = TestServers.start(ServerOptions.local(), "sink:4:60")) {
            new TestChat(plain.baseUrl(), modelId, "s").say("Hi", 3);
            TestServers.Reply reply = TestServers.post(plain, "/slots/s?action=save", "{\"filename\":\"s.bin\"}");
            assertThat(reply.status()).isEqualTo(400);
            assertThat(reply.error().get("message").asText()).contains("--state-dir");
        }
    }
}
