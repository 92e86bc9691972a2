package io.streamllm.server.load;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * Drives a running server as many chat clients at once: each session (a virtual thread) runs its
 * turns one after the other, streaming, and re-sends the whole conversation every turn as OpenAI
 * clients do, so that the server's prefix reuse and eviction are what is measured.
 */
public final class LoadTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] QUESTIONS = {
            "Tell me a story about a cat.", "What did the dog do next?", "Where did they go?", "Who did they meet?",
            "What happened at the park?", "Was anyone sad?", "How did it end?", "Tell me more about the bird."};

    /**
     * @param model  the model to ask for, or null to use the one GET /v1/models lists
     * @param apiKey the bearer token, or null
     */
    public record Settings(URI baseUrl, int sessions, int turns, int maxTokens, float temperature, String model, String apiKey,
                           Duration requestTimeout) {
    }

    private final Settings settings;
    private final HttpClient client;
    private final String runId = Long.toHexString(ThreadLocalRandom.current().nextLong() & 0xffffffffL);

    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger errors = new AtomicInteger();
    private final ConcurrentLinkedQueue<String> errorSamples = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Long> firstTokenNanos = new ConcurrentLinkedQueue<>();
    private final AtomicLong completionTokens = new AtomicLong();

    public LoadTest(Settings settings) {
        this.settings = settings;
        this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    }

    /** Waits until the server's /health says ok, for at most {@code timeout}. */
    public void awaitHealthy(Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response = client.send(get("/health"), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == 200) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(200);
        }
        throw new IOException("the server at " + settings.baseUrl() + " did not become healthy in " + timeout.toSeconds()
                + " s (last: " + last + ")");
    }

    /** Runs the load; {@code progress} hears the number of requests finished so far. */
    public LoadReport run(IntConsumer progress) throws IOException, InterruptedException {
        String model = settings.model() != null ? settings.model() : servedModel();
        ServerMetricsText before = scrapeMetrics();
        long start = System.nanoTime();
        try (ExecutorService sessions = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int s = 0; s < settings.sessions(); s++) {
                String sessionId = "load-" + runId + "-" + s;
                int session = s;
                sessions.submit(() -> converse(sessionId, session, model, progress));
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        ServerMetricsText after = scrapeMetrics();
        List<Long> ttft = new ArrayList<>(firstTokenNanos);
        return new LoadReport(requests.get(), errors.get(), List.copyOf(errorSamples), seconds, completionTokens.get(),
                ttft, before, after);
    }

    /** One client: its turns in order, each re-sending the whole conversation. */
    private void converse(String sessionId, int session, String model, IntConsumer progress) {
        ArrayNode messages = JSON.createArrayNode();
        for (int turn = 0; turn < settings.turns(); turn++) {
            messages.addObject().put("role", "user").put("content", QUESTIONS[turn % QUESTIONS.length]);
            String answer = null;
            try {
                answer = turn(sessionId, (long) session * settings.turns() + turn, model, messages);
            } catch (IOException | RuntimeException e) {
                error(sessionId + " turn " + turn + ": " + e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (answer == null) {
                messages.remove(messages.size() - 1); // the turn failed: ask again next time
            } else {
                messages.addObject().put("role", "assistant").put("content", answer);
            }
            progress.accept(requests.incrementAndGet());
        }
    }

    /** One streamed turn (sampled with {@code seed} unless greedy); returns the answer, or null after counting an error. */
    private String turn(String sessionId, long seed, String model, ArrayNode messages) throws IOException, InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("model", model);
        body.set("messages", messages);
        body.put("max_tokens", settings.maxTokens());
        body.put("temperature", settings.temperature());
        if (settings.temperature() > 0) {
            body.put("seed", seed);
        }
        body.put("stream", true);
        body.putObject("stream_options").put("include_usage", true);
        HttpRequest request = authorized(HttpRequest.newBuilder(settings.baseUrl().resolve("/v1/chat/completions")))
                .timeout(settings.requestTimeout()).header("Content-Type", "application/json")
                .header("X-Session-Id", sessionId)
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
        long sent = System.nanoTime();
        HttpResponse<Stream<String>> response = client.send(request, HttpResponse.BodyHandlers.ofLines());
        try (Stream<String> lines = response.body()) {
            if (response.statusCode() != 200) {
                error(sessionId + ": HTTP " + response.statusCode() + " " + String.join(" ", lines.toList()));
                return null;
            }
            StringBuilder answer = new StringBuilder();
            boolean done = false;
            boolean timed = false;
            for (Iterator<String> it = lines.iterator(); it.hasNext(); ) {
                String line = it.next();
                if (!line.startsWith("data: ")) {
                    continue;
                }
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    break;
                }
                JsonNode chunk = JSON.readTree(data);
                if (chunk.has("error")) {
                    error(sessionId + ": " + chunk.get("error"));
                    return null;
                }
                String text = chunk.path("choices").path(0).path("delta").path("content").asText("");
                boolean finished = !chunk.path("choices").path(0).path("finish_reason").isMissingNode()
                        && !chunk.path("choices").path(0).path("finish_reason").isNull();
                if (!timed && (!text.isEmpty() || finished)) {
                    timed = true; // an empty answer's first token is its end
                    firstTokenNanos.add(System.nanoTime() - sent);
                }
                answer.append(text);
                if (chunk.hasNonNull("usage")) {
                    completionTokens.addAndGet(chunk.get("usage").path("completion_tokens").asLong());
                }
            }
            if (!done) {
                error(sessionId + ": the stream ended without [DONE]");
                return null;
            }
            return answer.toString();
        }
    }

    private void error(String what) {
        errors.incrementAndGet();
        if (errorSamples.size() < 5) {
            errorSamples.add(what);
        }
    }

    private String servedModel() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(get("/v1/models"), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /v1/models answered " + response.statusCode() + ": " + response.body());
        }
        return JSON.readTree(response.body()).path("data").path(0).path("id").asText();
    }

    private ServerMetricsText scrapeMetrics() throws IOException, InterruptedException {
        HttpResponse<String> response = client.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET /metrics answered " + response.statusCode());
        }
        return ServerMetricsText.parse(response.body());
    }

    private HttpRequest get(String path) {
        return authorized(HttpRequest.newBuilder(settings.baseUrl().resolve(path))).timeout(Duration.ofSeconds(30)).GET().build();
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return settings.apiKey() == null ? builder : builder.header("Authorization", "Bearer " + settings.apiKey());
    }
}
