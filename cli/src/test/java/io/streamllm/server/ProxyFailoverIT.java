package io.streamllm.server;

import io.streamllm.api.StreamingModel;
import io.streamllm.server.load.ServerMetricsText;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two {@code streamllm serve} replicas (processes from the built jar) share a state directory behind nginx, which
 * hashes the X-Session-Id header onto them. The replica of a conversation is killed (SIGKILL) in the middle of a
 * streamed answer; the client sends its turn again through the proxy, which passes it to the other replica, and
 * that one restores the conversation from the shared state directory: the answered turns come from the cache
 * snapshot (only the new turn's tokens are prefilled), and the answers are those of a server that never stopped.
 */
class ProxyFailoverIT {
    private static final String SESSION = "story";
    private static final String PREFILLED = "streamllm_prompt_tokens_total{source=\"prefilled\"}";
    private static final Pattern TEXT_CHUNK = Pattern.compile("\"content\":\"[^\"]");

    @Test
    void aConversationMovesToTheOtherReplicaWhenItsReplicaIsKilled(@TempDir Path dir) throws Exception {
        Replicas.requireNginx();
        List<String> answers = new ArrayList<>();
        try (Replicas replicas = new Replicas()) {
            Path stateDir = dir.resolve("state");
            List<Replicas.Replica> both = List.of(replicas.serve(stateDir), replicas.serve(stateDir));
            String proxy = replicas.nginx(dir.resolve("nginx"), both);
            String model = TestServers.get(proxy, "/v1/models").json().at("/data/0/id").asText();

            TestChat chat = new TestChat(proxy, model, SESSION);
            answers.add(chat.say("Where did the cat go?", 10));
            answers.add(chat.say("What did the cat find?", 10));
            int secondPrompt = chat.lastReply().at("/usage/prompt_tokens").asInt();

            // Both turns went to one replica: the session's, by the hash of its id.
            Replicas.Replica owner = TestServers.metrics(both.get(0).url()).value(PREFILLED) > 0 ? both.get(0) : both.get(1);
            Replicas.Replica survivor = owner == both.get(0) ? both.get(1) : both.get(0);
            assertThat(TestServers.metrics(survivor.url()).value(PREFILLED)).as("the other replica prefilled nothing").isZero();
            int[] historyBefore = TestChat.sessionTokens(proxy, SESSION);

            chat.ask("Was it happy?");
            killDuringStreamedAnswer(owner.process(), proxy, chat);

            // The client sends its turn again, through the proxy: the killed replica refuses the connection, and
            // nginx passes the request to the next one on the ring.
            try (StreamingModel tokenizer = TestServers.loadModel()) {
                int[] prompt = chat.promptTokens(tokenizer);
                int expectedReused = TestChat.commonPrefix(historyBefore, prompt);
                ServerMetricsText before = TestServers.metrics(survivor.url());
                TestServers.Reply third = TestServers.post(proxy, "/v1/chat/completions", chat.body(10, false).toString(),
                        chat.headers());
                ServerMetricsText after = TestServers.metrics(survivor.url());
                assertThat(third.status()).as(third.body()).isEqualTo(200);
                String answer = third.json().at("/choices/0/message/content").asText();
                answers.add(answer);
                chat.answered(answer);

                // The survivor answered it, from the killed replica's last saved turn: restored from its cache
                // snapshot, the old turns reused, only the new turn's tokens prefilled.
                assertThat(after.value("streamllm_session_restores_total{from=\"snapshot\"}")
                        - before.value("streamllm_session_restores_total{from=\"snapshot\"}")).isEqualTo(1);
                assertThat(third.json().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(expectedReused);
                assertThat(expectedReused).isGreaterThanOrEqualTo(secondPrompt);
                assertThat(after.value(PREFILLED) - before.value(PREFILLED)).as("prefilled on the survivor")
                        .isEqualTo(prompt.length - expectedReused);
            }

            // The conversation goes on there, from the cache it now holds.
            ServerMetricsText before = TestServers.metrics(survivor.url());
            answers.add(chat.say("Where did it sleep?", 10));
            ServerMetricsText after = TestServers.metrics(survivor.url());
            assertThat(after.value("streamllm_session_restores_total{from=\"snapshot\"}"))
                    .isEqualTo(before.value("streamllm_session_restores_total{from=\"snapshot\"}"));
            assertThat(after.value(PREFILLED)).isGreaterThan(before.value(PREFILLED));
        }

        // The same answers as a server that never stopped.
        try (StreamllmServer control = TestServers.start(ServerOptions.local(), Replicas.CACHE)) {
            String model = TestServers.get(control.baseUrl(), "/v1/models").json().at("/data/0/id").asText();
            TestChat uninterrupted = new TestChat(control.baseUrl(), model, SESSION);
            List<String> expected = List.of(uninterrupted.say("Where did the cat go?", 10),
                    uninterrupted.say("What did the cat find?", 10), uninterrupted.say("Was it happy?", 10),
                    uninterrupted.say("Where did it sleep?", 10));
            assertThat(answers).isEqualTo(expected);
        }
    }

    /** Sends the next turn streamed through the proxy and kills the replica (SIGKILL) as soon as its answer's first text arrives. */
    private static void killDuringStreamedAnswer(Process replica, String proxy, TestChat chat) throws Exception {
        HttpRequest request = TestServers.request(proxy, "/v1/chat/completions", chat.headers())
                .POST(HttpRequest.BodyPublishers.ofString(chat.body(400, true).toString())).build();
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
        assertThat(response.statusCode()).isEqualTo(200);
        try (Stream<String> lines = response.body()) {
            Iterator<String> events = lines.iterator();
            boolean answering = false;
            while (!answering && events.hasNext()) {
                answering = TEXT_CHUNK.matcher(events.next()).find();
            }
            assertThat(answering).as("the answer started streaming").isTrue();
            replica.destroyForcibly();
            replica.waitFor();
            while (events.hasNext()) {
                assertThat(events.next()).as("the answer never finishes").doesNotContain("[DONE]");
            }
        } catch (UncheckedIOException e) {
            // the connection broke under the reader: expected
        }
        assertThat(replica.isAlive()).isFalse();
    }
}
