package io.streamllm.server;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.DoubleSupplier;

/**
 * The server's Prometheus metrics ({@code GET /metrics}): requests, tokens (prefilled vs reused),
 * generation speed, sessions, cache occupancy, evictions, the scheduler's queue, and the JVM and
 * process metrics of the Prometheus Java client (heap, GC, {@code process_resident_memory_bytes}).
 */
final class ServerMetrics {
    private static final Path PROC_STATUS = Path.of("/proc/self/status");

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    private final TokenRate tokenRate = new TokenRate(10);
    private volatile ModelService service;

    private final Counter requests = Counter.builder().name("streamllm_http_requests")
            .help("HTTP requests by endpoint and status").labelNames("endpoint", "status").register(registry);
    private final Counter promptTokens = Counter.builder().name("streamllm_prompt_tokens")
            .help("Prompt tokens: 'prefilled' ran through the model, 'reused' were found in the session's cache")
            .labelNames("source").register(registry);
    private final Counter historyTokens = Counter.builder().name("streamllm_history_tokens")
            .help("Tokens the sessions' histories held when their turns began; prompt_tokens{source=\"reused\"} counts"
                    + " how many of them the turns kept").register(registry);
    private final Counter completionTokens = Counter.builder().name("streamllm_completion_tokens")
            .help("Tokens generated").register(registry);
    private final Counter turns = Counter.builder().name("streamllm_turns")
            .help("Generations by finish reason").labelNames("finish_reason").register(registry);
    private final Counter evictedTokens = Counter.builder().name("streamllm_cache_evicted_tokens")
            .help("Tokens evicted from session KV caches (attention sinks keep the rest going)").register(registry);
    private final Counter restarts = Counter.builder().name("streamllm_conversation_restarts")
            .help("Turns that changed the evicted past of a conversation and re-read it from the start").register(registry);
    private final Counter sessionEvictions = Counter.builder().name("streamllm_session_evictions")
            .help("Idle sessions dropped from memory to make room (least recently used first)").register(registry);
    private final Counter sessionRestores = Counter.builder().name("streamllm_session_restores")
            .help("Sessions loaded from the state directory, by what they were rebuilt from").labelNames("from").register(registry);
    private final Counter sessionExpirations = Counter.builder().name("streamllm_session_expirations")
            .help("Sessions deleted in memory and on disk: unused for longer than --session-ttl ('ttl'), or the least"
                    + " recently used while the state directory was above --state-max-bytes ('size')")
            .labelNames("reason").register(registry);
    private final Counter sessionLocks = Counter.builder().name("streamllm_session_lock_conflicts")
            .help("Requests that found their session locked by another server replica sharing the state directory:"
                    + " 'waited' got it once that replica was done, 'refused' got 409 after --session-wait")
            .labelNames("outcome").register(registry);
    private final Counter clientAborts = Counter.builder().name("streamllm_client_aborts")
            .help("Requests whose client closed the connection or stopped sending before its body was read")
            .register(registry);
    private volatile double stateDirectoryBytes;
    private final Histogram timeToFirstToken = Histogram.builder().name("streamllm_time_to_first_token_seconds")
            .help("From the request to the first generated text").classicOnly()
            .classicUpperBounds(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30).register(registry);
    private final Histogram saveSeconds = Histogram.builder().name("streamllm_session_save_seconds")
            .help("Durable save of a turn (snapshot and transcript, fsynced)").classicOnly()
            .classicUpperBounds(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1).register(registry);

    ServerMetrics() {
        gauge("streamllm_model_ready", "1 once the model is loaded and requests are served", () -> service != null ? 1 : 0);
        gauge("streamllm_sessions_active", "Sessions in memory (each holds a KV cache)", () -> service != null ? service.sessions().liveCount() : 0);
        gauge("streamllm_sessions_max", "Sessions the server keeps in memory at most", () -> service != null ? service.sessions().maxSessions() : 0);
        gauge("streamllm_generations_active", "Requests generating now", () -> service != null ? service.activeGenerations() : 0);
        gauge("streamllm_scheduler_queue_length", "Generations waiting for their turn on the model", () -> service != null ? service.scheduler().queueLength() : 0);
        gauge("streamllm_cache_tokens", "Tokens held in the KV caches of the sessions in memory", () -> cacheTotals()[0]);
        gauge("streamllm_cache_capacity_tokens", "Tokens the KV caches of the sessions in memory can hold", () -> cacheTotals()[1]);
        gauge("streamllm_cache_occupancy_ratio", "cache_tokens / cache_capacity_tokens", () -> {
            double[] totals = cacheTotals();
            return totals[1] == 0 ? 0 : totals[0] / totals[1];
        });
        gauge("streamllm_session_waiting_requests", "Requests waiting for their session to finish another one (on this server, or on another replica sharing the state directory)",
                () -> service != null ? service.sessions().waitingCount() : 0);
        gauge("streamllm_state_dir_bytes", "Bytes of session files in the state directory, as last swept",
                () -> stateDirectoryBytes);
        gauge("streamllm_generated_tokens_per_second", "Tokens generated per second over the last 10 seconds", tokenRate::perSecond);
        GaugeWithCallback.builder().name("streamllm_process_peak_resident_memory_bytes")
                .help("Peak resident set size of the server process (VmHWM)")
                .callback(callback -> {
                    long peak = peakResidentBytes();
                    if (peak >= 0) {
                        callback.call(peak);
                    }
                }).register(registry);
        JvmMetrics.builder().register(registry);
    }

    private void gauge(String name, String help, DoubleSupplier value) {
        GaugeWithCallback.builder().name(name).help(help).callback(callback -> callback.call(value.getAsDouble())).register(registry);
    }

    /** Starts reporting on the loaded model's sessions and scheduler. */
    void attach(ModelService loaded) {
        this.service = loaded;
    }

    private double[] cacheTotals() {
        ModelService loaded = service;
        double held = 0;
        double capacity = 0;
        if (loaded != null) {
            List<SessionStats> sessions = loaded.sessions().liveStats();
            for (SessionStats stats : sessions) {
                held += stats.cacheTokens();
                capacity += stats.cacheCapacity();
            }
        }
        return new double[] {held, capacity};
    }

    void request(String endpoint, int status) {
        requests.labelValues(endpoint, Integer.toString(status)).inc();
    }

    /** Records a finished turn: what it cost and how the session's cache changed. */
    void turn(int reused, int prefilled, int generated, String finishReason, long evicted, boolean restarted) {
        promptTokens.labelValues("reused").inc(reused);
        promptTokens.labelValues("prefilled").inc(prefilled);
        completionTokens.inc(generated);
        turns.labelValues(finishReason).inc();
        evictedTokens.inc(Math.max(0, evicted));
        if (restarted) {
            restarts.inc();
        }
    }

    /** Records the tokens a session's history held when a turn began. */
    void history(int tokens) {
        historyTokens.inc(tokens);
    }

    /** Counts a generated token as it is produced (for the tokens/s gauge). */
    void generated(int tokens) {
        tokenRate.add(tokens);
    }

    void firstToken(long nanos) {
        timeToFirstToken.observe(nanos / 1e9);
    }

    void sessionEvicted() {
        sessionEvictions.inc();
    }

    void sessionRestored(String from) {
        sessionRestores.labelValues(from).inc();
    }

    /** A request found its session locked by another replica and got it after waiting. */
    void sessionLockWaited() {
        sessionLocks.labelValues("waited").inc();
    }

    /** A request found its session locked by another replica for longer than it may wait. */
    void sessionLockRefused() {
        sessionLocks.labelValues("refused").inc();
    }

    void sessionExpired(String reason) {
        sessionExpirations.labelValues(reason).inc();
    }

    void clientAborted() {
        clientAborts.inc();
    }

    void stateDirectory(long bytes) {
        stateDirectoryBytes = bytes;
    }

    void sessionSaved(long nanos) {
        saveSeconds.observe(nanos / 1e9);
    }

    String contentType() {
        return writer.getContentType();
    }

    void write(OutputStream out) throws IOException {
        writer.write(out, registry.scrape());
    }

    /** VmHWM of /proc/self/status in bytes, or -1 where there is none (not Linux). */
    static long peakResidentBytes() {
        try {
            for (String line : Files.readAllLines(PROC_STATUS)) {
                if (line.startsWith("VmHWM:")) {
                    String[] parts = line.substring(6).trim().split("\\s+");
                    return Long.parseLong(parts[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or no such line: no sample
        }
        return -1;
    }
}
