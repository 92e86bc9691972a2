package io.streamllm.server;

import io.streamllm.api.StreamingModel;
import io.streamllm.server.load.ServerMetricsText;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A server process stopped with SIGTERM in the middle of a streamed answer drains: the stream ends with
 * a finish reason and [DONE], and the turn is saved. A server process killed with SIGKILL in the middle of a conversation (even in the middle of a
 * streamed answer) and started again on the same state directory continues the conversation: the
 * same token history, the cache restored from its snapshot (no prefill of the old turns), and the
 * same answers as a server that never stopped.
 */
class RecoveryTest {
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");
    private static final String CACHE = "sink:4:507";
    private static final String SESSION = "story";
    private static final Pattern TEXT_CHUNK = Pattern.compile("\"content\":\"[^\"]");

    private final List<Process> processes = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        processes.forEach(Process::destroyForcibly);
    }

    /** Starts {@code streamllm serve} in a JVM of its own, with this JVM's flags and class path; returns its URL. */
    private String launch(Path stateDir, String... options) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        // Start faster (no C2, no parallel GC threads): this server measures nothing and answers a few short turns.
        command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.streamllm.cli.Main", "serve",
                "-m", TestServers.modelPath().toString(), "--port", "0", "--cache", CACHE, "--state-dir", stateDir.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(process);
        CompletableFuture<String> url = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    log.append(line).append('\n');
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.find()) {
                        url.complete(listening.group(1));
                    }
                }
            } catch (IOException e) {
                // the process died: the future below times out or was completed
            }
            url.completeExceptionally(new IllegalStateException("the server exited:\n" + log));
        });
        String baseUrl = url.get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (TestServers.get(baseUrl, "/health").status() != 200) {
            assertThat(System.nanoTime()).as("the model loads within a minute").isLessThan(deadline);
            Thread.sleep(50);
        }
        return baseUrl;
    }

    /** Sends the next turn streamed and kills the server (SIGKILL) as soon as the first text of the answer arrives. */
    private static void killDuringStreamedAnswer(Process server, String baseUrl, TestChat chat) throws Exception {
        HttpRequest request = TestServers.request(baseUrl, "/v1/chat/completions", chat.headers())
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
            server.destroyForcibly();
            server.waitFor();
        } catch (UncheckedIOException e) {
            // the connection broke under the reader: expected
        }
        assertThat(server.isAlive()).isFalse();
    }

    @Test
    void aKilledServerContinuesTheConversation(@TempDir Path stateDir) throws Exception {
        List<String> answers = new ArrayList<>();
        String firstUrl = launch(stateDir);
        Process first = processes.getLast();
        String model = TestServers.get(firstUrl, "/v1/models").json().at("/data/0/id").asText();
        TestChat chat = new TestChat(firstUrl, model, SESSION);
        answers.add(chat.say("Where did the cat go?", 10));
        answers.add(chat.say("What did the cat find?", 10));
        int secondPrompt = chat.lastReply().at("/usage/prompt_tokens").asInt();
        int[] historyBefore = TestChat.sessionTokens(firstUrl, SESSION);
        chat.ask("Was it happy?");
        killDuringStreamedAnswer(first, firstUrl, chat);

        String secondUrl = launch(stateDir);
        // The answered turns are all there, token for token; the answer in flight was never acknowledged.
        assertThat(TestChat.sessionTokens(secondUrl, SESSION)).containsExactly(historyBefore);

        // The client sends the conversation again, as it would after an error.
        TestChat resumed = chat.at(secondUrl);
        try (StreamingModel tokenizer = TestServers.loadModel()) {
            int[] prompt = resumed.promptTokens(tokenizer);
            int expectedReused = TestChat.commonPrefix(historyBefore, prompt);
            ServerMetricsText before = TestServers.metrics(secondUrl);
            TestServers.Reply third = TestServers.post(secondUrl, "/v1/chat/completions", resumed.body(10, false).toString(),
                    resumed.headers());
            ServerMetricsText after = TestServers.metrics(secondUrl);
            assertThat(third.status()).as(third.body()).isEqualTo(200);
            answers.add(third.json().at("/choices/0/message/content").asText());

            // Restored from the snapshot: the old turns were reused from the cache, not prefilled again.
            assertThat(after.value("streamllm_session_restores_total{from=\"snapshot\"}")).isEqualTo(1);
            assertThat(third.json().at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(expectedReused);
            assertThat(expectedReused).isGreaterThanOrEqualTo(secondPrompt);
            assertThat(after.value("streamllm_prompt_tokens_total{source=\"prefilled\"}")
                    - before.value("streamllm_prompt_tokens_total{source=\"prefilled\"}")).isEqualTo(prompt.length - expectedReused);
        }

        // The same answers as a server that never stopped.
        try (StreamllmServer control = TestServers.start(ServerOptions.local(), CACHE)) {
            TestChat uninterrupted = new TestChat(control.baseUrl(), model, SESSION);
            assertThat(List.of(uninterrupted.say("Where did the cat go?", 10), uninterrupted.say("What did the cat find?", 10),
                    uninterrupted.say("Was it happy?", 10))).isEqualTo(answers);
        }
    }

    @Test
    void sigtermInTheMiddleOfAStreamEndsItWithAFinishReasonAndDone(@TempDir Path stateDir) throws Exception {
        String url = launch(stateDir, "--shutdown-grace", "3s", "--max-tokens-limit", "100000");
        Process server = processes.getLast();
        String model = TestServers.get(url, "/v1/models").json().at("/data/0/id").asText();
        String body = "{\"model\":\"" + model + "\",\"prompt\":\"Once upon a time\",\"max_tokens\":100000,"
                + "\"temperature\":0,\"stream\":true}";
        HttpRequest request = TestServers.request(url, "/v1/completions", "X-Session-Id", SESSION)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
        HttpResponse<Stream<String>> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofLines());
        List<String> events = new ArrayList<>();
        try (Stream<String> lines = response.body()) {
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (line.startsWith("data: ")) {
                    if (events.isEmpty()) {
                        server.destroy(); // SIGTERM
                    }
                    events.add(line);
                }
            }
        }
        assertThat(events).last().isEqualTo("data: [DONE]");
        assertThat(events.get(events.size() - 2)).contains("\"finish_reason\":\"length\"");
        assertThat(server.waitFor(60, TimeUnit.SECONDS)).as("the server exits").isTrue();
        assertThat(TestChat.sessionTokens(launch(stateDir), SESSION)).as("the cut answer was saved").isNotEmpty();
    }
}
