package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.StreamingModel;
import io.streamllm.server.load.ServerMetricsText;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** Sessions: prefix reuse across turns, conversations longer than the cache, isolation under concurrency. */
class SessionTest {
    private static final String PREFILLED = "streamllm_prompt_tokens_total{source=\"prefilled\"}";
    private static final String REUSED = "streamllm_prompt_tokens_total{source=\"reused\"}";

    private static StreamllmServer server;
    private static StreamingModel model;

    @BeforeAll
    static void start() {
        // A small window, so that a few turns outgrow it.
        server = TestServers.start(ServerOptions.local(), "sink:4:100");
        model = TestServers.loadModel();
    }

    @AfterAll
    static void stop() {
        server.close();
        model.close();
    }

    private static TestChat chat(String session) {
        return new TestChat(server.baseUrl(), model.info().name(), session);
    }

    @Test
    void theSecondTurnPrefillsOnlyTheNewTokens() {
        TestChat chat = chat("reuse");
        chat.say("Where is the ball?", 8);
        int firstPrompt = chat.lastReply().at("/usage/prompt_tokens").asInt();
        int[] historyAfterFirst = TestChat.sessionTokens(server.baseUrl(), "reuse");
        chat.ask("Who found it?");
        int[] secondPrompt = chat.promptTokens(model);
        // Independent expectation: the tokens the session holds, compared with the tokens of the new request.
        int expectedReused = TestChat.commonPrefix(historyAfterFirst, secondPrompt);
        int expectedPrefilled = secondPrompt.length - expectedReused;

        ServerMetricsText before = TestServers.metrics(server);
        TestServers.Reply second = TestServers.post(server, "/v1/chat/completions", chat.body(8, false).toString(), chat.headers());
        ServerMetricsText after = TestServers.metrics(server);

        assertThat(second.status()).isEqualTo(200);
        assertThat(after.value(PREFILLED) - before.value(PREFILLED)).isEqualTo(expectedPrefilled);
        assertThat(after.value(REUSED) - before.value(REUSED)).isEqualTo(expectedReused);
        // The whole first turn's prompt was reused; only the tail (the new question, plus the few tokens of the
        // answer that tokenize differently inside the transcript) was prefilled.
        assertThat(expectedReused).isGreaterThanOrEqualTo(firstPrompt);
        assertThat(expectedPrefilled).isLessThan(secondPrompt.length - firstPrompt);
        assertThat(second.json().at("/usage/prompt_tokens").asInt()).isEqualTo(secondPrompt.length);
        assertThat(second.json().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(expectedReused);
    }

    @Test
    void aConversationLongerThanTheCacheGoesOn() {
        TestChat chat = chat("long");
        ServerMetricsText before = TestServers.metrics(server);
        for (int turn = 0; turn < 12; turn++) {
            chat.say("Tell me more about the little dog and the big red ball, number " + turn + ".", 16);
        }
        ServerMetricsText after = TestServers.metrics(server);
        JsonNode session = TestServers.get(server, "/v1/sessions/long").json().get("stats");
        assertThat(chat.promptTokens(model).length).isGreaterThan(3 * 104); // the conversation is several windows long
        assertThat(session.get("cache_tokens").asInt()).isLessThanOrEqualTo(104);
        assertThat(session.get("cache_capacity").asInt()).isEqualTo(104);
        assertThat(session.get("kv_type").asText()).isEqualTo("f32");
        // stories260K: 5 layers, keys and values of 4 KV heads x 8 elements, 4 bytes each.
        assertThat(session.get("kv_bytes_per_token").asLong()).isEqualTo(5 * 2 * 4 * 8 * 4);
        assertThat(session.get("evicted_tokens").asLong()).isGreaterThan(200);
        assertThat(session.get("turns").asInt()).isEqualTo(12);
        // Each turn after the first reused the cache: far fewer tokens prefilled than sent.
        assertThat(session.get("prefilled_tokens").asLong()).isLessThan(session.get("prompt_tokens").asLong() / 3);
        assertThat(session.get("restarts").asInt()).isZero();
        assertThat(after.value("streamllm_cache_evicted_tokens_total") - before.value("streamllm_cache_evicted_tokens_total"))
                .isGreaterThan(200);
    }

    @Test
    void concurrentSessionsGetWhatEachWouldGetAlone() throws Exception {
        int sessions = 6;
        List<String> alone = new ArrayList<>();
        for (int s = 0; s < sessions; s++) {
            alone.add(conversation("alone-" + s, s));
        }
        List<Future<String>> together = new ArrayList<>();
        try (ExecutorService clients = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < sessions; s++) {
                int topic = s;
                together.add(clients.submit(() -> conversation("together-" + topic, topic)));
            }
        }
        for (int s = 0; s < sessions; s++) {
            assertThat(together.get(s).get()).as("session %d", s).isEqualTo(alone.get(s));
        }
    }

    /** Three greedy turns about topic {@code topic}; returns the answers joined. */
    private static String conversation(String session, int topic) {
        String[] animals = {"cat", "dog", "bird", "fish", "frog", "bear"};
        TestChat chat = chat(session);
        StringBuilder answers = new StringBuilder();
        for (int turn = 0; turn < 3; turn++) {
            answers.append(chat.say("What did the " + animals[topic] + " do on day " + turn + "?", 10)).append('|');
        }
        return answers.toString();
    }

    @Test
    void aRequestWithoutSessionLeavesNoSessionBehind() {
        ServerMetricsText before = TestServers.metrics(server);
        chat(null).say("Hello", 4);
        ServerMetricsText after = TestServers.metrics(server);
        assertThat(after.value("streamllm_sessions_active")).isEqualTo(before.value("streamllm_sessions_active"));
    }
}
