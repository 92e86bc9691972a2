package io.streamllm.flink.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The standalone cluster of {@code scripts/flink-cluster.sh}, driven from a test: a JobManager and TaskManager JVMs
 * that are processes of their own, jobs submitted through Flink's CLI, and the processes' pids for {@code kill -9}.
 */
final class StandaloneCluster implements AutoCloseable {
    private static final Pattern JOB_ID = Pattern.compile("JobID ([0-9a-f]{32})");

    private final Path repository;
    private final Path directory;
    private final int taskManagers;
    private FlinkRest rest;

    /**
     * @param directory where the script puts the cluster's config, logs, pid files and checkpoints
     * @param taskManagers how many TaskManager processes to start
     */
    StandaloneCluster(Path directory, int taskManagers) {
        this.repository = Path.of("").toAbsolutePath().getParent();
        this.directory = directory.toAbsolutePath();
        this.taskManagers = taskManagers;
    }

    /** Starts the processes and returns once every TaskManager has registered with the JobManager. */
    void start() throws IOException, InterruptedException {
        // Should this JVM end without @AfterAll (a killed build), the cluster's processes still go with it.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                close();
            } catch (Exception e) {
                System.err.println("could not stop the Flink cluster in " + directory + ": " + e);
            }
        }));
        script(Duration.ofMinutes(3), "start");
        String config = Files.readString(directory.resolve("conf/config.yaml"));
        Matcher port = Pattern.compile("(?m)^rest\\.port: (\\d+)$").matcher(config);
        if (!port.find()) {
            throw new IllegalStateException("no rest.port in " + directory.resolve("conf/config.yaml"));
        }
        rest = new FlinkRest(Integer.parseInt(port.group(1)));
    }

    /** The cluster's REST API. */
    FlinkRest rest() {
        return rest;
    }

    /** The folder of the processes' logs, for failure messages. */
    Path logs() {
        return directory.resolve("log");
    }

    /**
     * Submits a job detached, as {@code flink run -d -c MAIN JAR ARGS} does.
     *
     * @return the job id
     */
    String run(Path jar, String mainClass, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("run", "-c", mainClass, jar.toString()));
        command.addAll(args);
        String output = script(Duration.ofMinutes(2), command.toArray(String[]::new));
        Matcher id = JOB_ID.matcher(output);
        if (!id.find()) {
            throw new IllegalStateException("flink run printed no job id:\n" + output);
        }
        return id.group(1);
    }

    /** The pid of one process: {@code jobmanager} or {@code taskmanager-N}. */
    long pid(String process) throws IOException {
        return Long.parseLong(Files.readString(directory.resolve("pids/" + process + ".pid")).trim());
    }

    /** Kills TaskManager {@code n} (1-based) with SIGKILL, as {@code kill -9} does, and waits until it is gone. */
    void killTaskManager(int n) throws IOException, InterruptedException {
        ProcessHandle process = ProcessHandle.of(pid("taskmanager-" + n))
                .orElseThrow(() -> new IllegalStateException("taskmanager-" + n + " is not running"));
        process.destroyForcibly();
        process.onExit().orTimeout(30, TimeUnit.SECONDS).join();
    }

    /** Stops every process the script started, also after a failed start. */
    @Override
    public void close() throws IOException, InterruptedException {
        script(Duration.ofMinutes(1), "stop");
    }

    private String script(Duration timeout, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(repository.resolve("scripts/flink-cluster.sh").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().put("FLINK_CLUSTER_DIR", directory.toString());
        builder.environment().put("FLINK_TASKMANAGERS", Integer.toString(taskManagers));
        Path transcript = Files.createTempFile("flink-cluster", ".out");
        Process process = builder.redirectOutput(transcript.toFile()).start();
        boolean done = process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
        if (!done) {
            process.destroyForcibly();
        }
        String output = Files.readString(transcript, StandardCharsets.UTF_8);
        Files.delete(transcript);
        if (!done) {
            throw new IllegalStateException("flink-cluster.sh " + String.join(" ", args) + " did not finish within "
                    + timeout.toSeconds() + " s; logs in " + logs() + "\n" + output);
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException("flink-cluster.sh " + String.join(" ", args) + " failed (exit "
                    + process.exitValue() + "); logs in " + logs() + "\n" + output);
        }
        return output;
    }
}
