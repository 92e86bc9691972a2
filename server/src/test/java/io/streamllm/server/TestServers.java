package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.server.load.ServerMetricsText;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;

/** In-process servers on the shipped model, and a plain HTTP client to talk to them (also for the web page's test). */
public final class TestServers {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServers() {
    }

    /** The shipped stories260K model (tests run in server/ or cli/, the repository is their parent). */
    static Path modelPath() {
        Path model = Path.of("").toAbsolutePath().getParent().resolve("models/stories260K/stories260K.gguf");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("the shipped model is missing: " + model);
        }
        return model;
    }

    static StreamingModel loadModel() {
        return StreamingModel.load(modelPath());
    }

    /** The shipped model served under {@code cachePolicy}, with the default chunks and f32 keys and values. */
    static ServedModel served(String cachePolicy) {
        return new ServedModel(loadModel(), SessionOptions.of(CachePolicy.parse(cachePolicy)));
    }

    /** Starts a server on a free port and waits until its model is loaded. */
    public static StreamllmServer start(ServerOptions options, String cachePolicy) {
        return start(options, () -> served(cachePolicy));
    }

    /** Starts a server of {@code model} on a free port and waits until it is loaded. */
    static StreamllmServer start(ServerOptions options, Callable<ServedModel> model) {
        StreamllmServer server = StreamllmServer.start(options, model);
        try {
            server.awaitReady();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (RuntimeException e) {
            server.close();
            throw e;
        }
        return server;
    }

    static StreamllmServer start() {
        return start(ServerOptions.local(), "sink:4:507");
    }

    static StreamllmServer start(ServerLimits limits) {
        return start(ServerOptions.local().withLimits(limits), "sink:4:507");
    }

    /** Limits that let a request generate for minutes (100,000 tokens), to be cut short by what a test does. */
    static ServerLimits endlessAnswers() {
        return ServerLimits.defaults().withMaxTokensLimit(100_000);
    }

    /** Opens a plain socket to the server and sends {@code head} (request line and headers, CRLF-separated, no blank line). */
    static Socket openRequest(StreamllmServer server, String head, String body) throws IOException {
        URI uri = URI.create(server.baseUrl());
        Socket socket = new Socket(uri.getHost(), uri.getPort());
        socket.setSoTimeout(120_000); // a test that waits longer has failed
        OutputStream out = socket.getOutputStream();
        out.write((head + "\r\n\r\n" + body).getBytes(StandardCharsets.UTF_8));
        out.flush();
        return socket;
    }

    /** Waits until {@code condition} holds; fails after a minute (a generous bound: the test is broken, not slow). */
    static void awaitTrue(String what, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("waited a minute for: " + what);
            }
            Thread.sleep(20);
        }
    }

    /** An HTTP answer, its body parsed when it is JSON. */
    public record Reply(int status, String body, HttpResponse<String> response) {
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException("not JSON: " + body, e);
            }
        }

        /** OpenAI's error object of a refused request. */
        JsonNode error() {
            return json().get("error");
        }
    }

    static Reply post(StreamllmServer server, String path, String body, String... headers) {
        return post(server.baseUrl(), path, body, headers);
    }

    static Reply post(String baseUrl, String path, String body, String... headers) {
        return send(request(baseUrl, path, headers).POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    static Reply postBytes(StreamllmServer server, String path, byte[] body, String... headers) {
        return send(request(server.baseUrl(), path, headers).POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    static Reply get(StreamllmServer server, String path, String... headers) {
        return get(server.baseUrl(), path, headers);
    }

    public static Reply get(String baseUrl, String path, String... headers) {
        return send(request(baseUrl, path, headers).GET());
    }

    static Reply send(StreamllmServer server, String method, String path, String... headers) {
        return send(request(server.baseUrl(), path, headers).method(method, HttpRequest.BodyPublishers.noBody()));
    }

    static ServerMetricsText metrics(StreamllmServer server) {
        return metrics(server.baseUrl());
    }

    static ServerMetricsText metrics(String baseUrl) {
        return ServerMetricsText.parse(get(baseUrl, "/metrics").body());
    }

    /** A request with {@code headers} (name, value, ...), declared as JSON unless they say otherwise. */
    static HttpRequest.Builder request(String baseUrl, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        boolean typed = false;
        for (int i = 0; i < headers.length; i += 2) {
            typed |= headers[i].equalsIgnoreCase("Content-Type");
        }
        if (!typed) {
            builder.header("Content-Type", "application/json");
        }
        return builder;
    }

    static Reply send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
