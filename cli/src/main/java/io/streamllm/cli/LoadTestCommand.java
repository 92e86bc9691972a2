package io.streamllm.cli;

import io.streamllm.api.StreamllmException;
import io.streamllm.server.load.LoadReport;
import io.streamllm.server.load.LoadTest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.Callable;

@Command(name = "loadtest", mixinStandardHelpOptions = true,
        description = {"Loads a running 'streamllm serve' with concurrent streaming chat sessions, each re-sending its whole"
                + " conversation every turn, and prints requests/s, time to first token, errors, tokens/s and the server's peak RSS.",
                "Exits 1 when any request failed."})
final class LoadTestCommand implements Callable<Integer> {

    @Option(names = "--url", defaultValue = "http://127.0.0.1:8080", paramLabel = "URL",
            description = "the server (default: ${DEFAULT-VALUE}); only this address is sent traffic")
    URI url;

    @Option(names = "--sessions", defaultValue = "64", paramLabel = "N", description = "concurrent sessions (default: ${DEFAULT-VALUE})")
    int sessions;

    @Option(names = "--turns", defaultValue = "50", paramLabel = "N", description = "turns per session (default: ${DEFAULT-VALUE})")
    int turns;

    @Option(names = "--max-tokens", defaultValue = "16", paramLabel = "N", description = "max_tokens of each turn (default: ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--model", paramLabel = "NAME", description = "model to ask for (default: the one the server lists)")
    String model;

    @Option(names = "--api-key", paramLabel = "KEY", description = "bearer token (default: $STREAMLLM_API_KEY, else none)")
    String apiKey;

    @Option(names = "--wait", defaultValue = "0", paramLabel = "SECONDS",
            description = "first wait up to SECONDS for the server's /health to say ok (default: ${DEFAULT-VALUE})")
    int waitSeconds;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T",
            description = "sampling temperature; above 0 each turn samples with a seed of its own, so runs repeat (default: ${DEFAULT-VALUE}, greedy)")
    float temperature;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "give up on a request after SECONDS (default: ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (sessions < 1 || turns < 1 || maxTokens < 1 || timeoutSeconds < 1) {
            throw new IllegalArgumentException("--sessions, --turns, --max-tokens and --timeout must be at least 1");
        }
        if (!(temperature >= 0 && temperature <= 2)) {
            throw new IllegalArgumentException("--temperature must be 0 to 2, got " + temperature);
        }
        if (url.getScheme() == null || !url.getScheme().equals("http") || url.getHost() == null) {
            throw new IllegalArgumentException("--url must be an http://host:port address, got " + url);
        }
        String key = apiKey != null ? apiKey : System.getenv("STREAMLLM_API_KEY");
        LoadTest load = new LoadTest(new LoadTest.Settings(url, sessions, turns, maxTokens, temperature, model, key,
                Duration.ofSeconds(timeoutSeconds)));
        if (waitSeconds > 0) {
            try {
                load.awaitHealthy(Duration.ofSeconds(waitSeconds));
            } catch (IOException e) {
                throw new StreamllmException(e.getMessage());
            }
        }
        Console.status(String.format("load: %d sessions x %d turns, max_tokens %d, against %s", sessions, turns, maxTokens, url));
        Console.Progress progress = new Console.Progress("requests", (long) sessions * turns);
        LoadReport report;
        try {
            report = load.run(done -> {
                synchronized (progress) {
                    progress.update(done);
                }
            });
        } catch (java.net.ConnectException e) {
            throw new StreamllmException("nothing answers at " + url + "; start the server first (streamllm serve)");
        } catch (IOException e) {
            throw new StreamllmException("load test against " + url + " failed: " + e);
        }
        progress.done();
        print(report);
        return report.errors() == 0 ? 0 : 1;
    }

    private static void print(LoadReport report) {
        System.out.printf("requests:            %d in %.1f s = %.1f requests/s%n", report.requests(), report.seconds(),
                report.requestsPerSecond());
        System.out.printf("errors:              %d%n", report.errors());
        for (String sample : report.errorSamples()) {
            System.out.println("  e.g. " + sample);
        }
        System.out.printf("time to first token: p50 %.0f ms, p99 %.0f ms%n", report.firstTokenMillis(0.5),
                report.firstTokenMillis(0.99));
        System.out.printf("generated:           %d tokens = %.0f tokens/s%n", report.completionTokens(), report.tokensPerSecond());
        double reused = report.serverDelta("streamllm_prompt_tokens_total{source=\"reused\"}");
        double prefilled = report.serverDelta("streamllm_prompt_tokens_total{source=\"prefilled\"}");
        System.out.printf("prompt tokens:       %.0f reused from session caches, %.0f prefilled (%.1f%% reused)%n", reused,
                prefilled, 100 * reused / Math.max(1, reused + prefilled));
        double history = report.serverDelta("streamllm_history_tokens_total");
        System.out.printf("history tokens:      %.0f of the %.0f the sessions held reused (%.2f%%)%n", reused, history,
                100 * reused / Math.max(1, history));
        System.out.printf("server:              %.0f tokens evicted, %.0f conversation restarts, %.0f sessions evicted%n",
                report.serverDelta("streamllm_cache_evicted_tokens_total"),
                report.serverDelta("streamllm_conversation_restarts_total"),
                report.serverDelta("streamllm_session_evictions_total"));
        long rss = report.serverPeakRssBytes();
        System.out.println("server peak RSS:     " + (rss < 0 ? "not reported" : Console.bytes(rss))
                + String.format(" (JVM heap in use at the end: %s)",
                Console.bytes((long) report.after().value("jvm_memory_used_bytes{area=\"heap\"}"))));
    }
}
