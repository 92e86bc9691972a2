package io.streamllm.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.server.load.ServerMetricsText;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;

/** In-process servers on the shipped model, and a plain HTTP client to talk to them (also for the web page's test). */
public final class TestServers {
    public static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private TestServers() {
    }

    /** The shipped stories260K model (tests run in app/, the repository is its parent). */
    static Path modelPath() {
        Path model = Path.of("").toAbsolutePath().getParent().resolve("models/stories260K/stories260K.gguf");
        if (!Files.isRegularFile(model)) {
            throw new IllegalStateException("the shipped model is missing: " + model);
        }
        return model;
    }

    static Model loadModel() {
        return ModelLoader.load(modelPath());
    }

    /** Starts a server on a free port and waits until its model is loaded. */
    public static StreamllmServer start(ServerOptions options, String cachePolicy) {
        return start(options, () -> new ServedModel(loadModel(), CachePolicy.parse(cachePolicy), 64, 1));
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

    static HttpRequest.Builder request(String baseUrl, String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60));
        if (headers.length > 0) {
            builder.headers(headers);
        }
        return builder;
    }

    private static Reply send(HttpRequest.Builder request) {
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
