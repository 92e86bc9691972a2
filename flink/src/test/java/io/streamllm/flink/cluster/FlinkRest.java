package io.streamllm.flink.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;

/** The few calls of Flink's REST API that the cluster tests watch a job with. */
final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    FlinkRest(int port) {
        this.port = port;
    }

    /** {@code GET path} as JSON. */
    JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .timeout(Duration.ofSeconds(10)).GET().build();
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": HTTP " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    /** The job's state: CREATED, RUNNING, RESTARTING, FINISHED, FAILED, ... */
    String state(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId).path("state").asText();
    }

    /** Whether the job is RUNNING with every task of every vertex RUNNING (or already FINISHED). */
    boolean allTasksRunning(String jobId) throws IOException, InterruptedException {
        JsonNode job = get("/jobs/" + jobId);
        if (!job.path("state").asText().equals("RUNNING")) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            JsonNode tasks = vertex.path("tasks");
            int ready = tasks.path("RUNNING").asInt() + tasks.path("FINISHED").asInt();
            if (ready != vertex.path("parallelism").asInt()) {
                return false;
            }
        }
        return true;
    }

    /** The job's checkpoint counters: completed, failed, restored, ... */
    JsonNode checkpointCounts(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts");
    }

    /** The ids of the TaskManagers that run a subtask of the job's vertex whose name contains {@code nameFragment}. */
    Set<String> taskManagersOf(String jobId, String nameFragment) throws IOException, InterruptedException {
        Set<String> ids = new TreeSet<>();
        for (JsonNode vertex : get("/jobs/" + jobId).path("vertices")) {
            if (vertex.path("name").asText().contains(nameFragment)) {
                for (JsonNode tm : get("/jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/taskmanagers")
                        .path("taskmanagers")) {
                    ids.add(tm.path("taskmanager-id").asText());
                }
            }
        }
        return ids;
    }
}
