package io.streamllm.flink.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The job on a real multi-process cluster (scripts/flink-cluster.sh: a JobManager and two TaskManager JVMs), and
 * its exactly-once recovery when one TaskManager is killed with SIGKILL in the middle of the stream.
 *
 * <p>The sink is Flink's {@code FileSink}: a part file becomes visible only when the checkpoint that covers its
 * records completes, and a restart from that checkpoint replays exactly the records after it, so a crash can neither
 * lose a committed line nor write one twice. The tests compare the committed lines, as a multiset, with a run
 * without failure.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    private static final Path WORK = Path.of("target/cluster-test").toAbsolutePath();
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private static final int EVENTS = 600;

    private static StandaloneCluster cluster;
    private static Path jobJar;
    private static Path input;

    @BeforeAll
    static void startCluster() throws Exception {
        deleteRecursively(WORK);
        Files.createDirectories(WORK);
        input = WORK.resolve("events.tsv");
        Files.write(input, events());
        jobJar = jarOf(Path.of("target/classes"), WORK.resolve("job.jar"));
        cluster = new StandaloneCluster(WORK.resolve("cluster"), 2);
        cluster.start();
    }

    @AfterAll
    static void stopCluster() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void jobRunsAcrossTwoTaskManagerProcessesWithTheMiniClusterResults() throws Exception {
        Path output = WORK.resolve("out-cluster");
        // Paced a little (3 s) so that the placement of the running subtasks can be read.
        String job = cluster.run(jobJar, RunningSumJob.class.getName(), args(output, 5));
        await("all tasks of job " + job + " running", () -> cluster.rest().allTasksRunning(job));
        Set<String> hosts = cluster.rest().taskManagersOf(job, "KeyedProcess");
        awaitState(job, "FINISHED");

        assertThat(hosts).as("TaskManagers that ran the keyed operator's subtasks")
                .containsExactlyInAnyOrder("taskmanager-1", "taskmanager-2");
        Path miniClusterOutput = WORK.resolve("out-mini");
        RunningSumJob.main(args(miniClusterOutput, 0).toArray(String[]::new));
        List<String> reference = committedLines(miniClusterOutput);
        assertThat(reference).as("mini-cluster run").isEqualTo(expected());
        assertThat(committedLines(output)).as("cluster run against the mini-cluster run").isEqualTo(reference);
    }

    @Test
    @Order(2)
    void killedTaskManagerRecoversFromItsLastCheckpointWithExactlyTheSameResults() throws Exception {
        Path output = WORK.resolve("out-recovered");
        // Paced so the stream lasts about 15 s: long enough to kill a process after a few checkpoints.
        String job = cluster.run(jobJar, RunningSumJob.class.getName(), args(output, 25));
        awaitState(job, "RUNNING");
        await("two completed checkpoints of job " + job, () ->
                cluster.rest().checkpointCounts(job).path("completed").asInt() >= 2);
        assertThat(cluster.rest().taskManagersOf(job, "KeyedProcess")).as("hosts of the keyed subtasks")
                .contains("taskmanager-2");
        int committedBeforeKill = committedLines(output).size();
        assertThat(cluster.rest().state(job)).as("job state just before the kill").isEqualTo("RUNNING");

        long killedAt = System.nanoTime();
        cluster.killTaskManager(2);
        await("job " + job + " restored from a checkpoint with all tasks running again", () ->
                cluster.rest().checkpointCounts(job).path("restored").asInt() >= 1
                        && cluster.rest().allTasksRunning(job));
        long recoveryMillis = (System.nanoTime() - killedAt) / 1_000_000;
        awaitState(job, "FINISHED");

        List<String> lines = committedLines(output);
        System.out.printf("recovery after kill -9 of a TaskManager: %d ms (kill to all tasks running from the "
                + "restored checkpoint); %d of %d lines were committed before the kill%n",
                recoveryMillis, committedBeforeKill, EVENTS);
        assertThat(committedBeforeKill).as("lines committed before the kill (the kill is mid-stream)")
                .isLessThan(EVENTS);
        assertThat(lines).as("output after the recovery against the run without failure").isEqualTo(expected());
    }

    /** {@code key<TAB>text} records over 7 keys, with texts of varied lengths (some multi-byte). */
    private static List<String> events() {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < EVENTS; i++) {
            lines.add("key" + (i * 31 % 7) + "\tevent " + i + " " + "é".repeat(i % 5) + "x".repeat(i % 11));
        }
        return lines;
    }

    /** The job's output computed here, independently of Flink, sorted. */
    private static List<String> expected() {
        Map<String, long[]> perKey = new HashMap<>();
        List<String> lines = new ArrayList<>();
        for (String event : events()) {
            String key = event.substring(0, event.indexOf('\t'));
            long bytes = event.substring(event.indexOf('\t') + 1).getBytes(StandardCharsets.UTF_8).length;
            long[] state = perKey.computeIfAbsent(key, k -> new long[2]);
            lines.add(key + "\t" + state[0] + "\t" + bytes + "\t" + (state[1] + bytes));
            state[0]++;
            state[1] += bytes;
        }
        return lines.stream().sorted().toList();
    }

    private static List<String> args(Path output, int delayMillis) {
        return List.of("--input", input.toString(), "--output", output.toString(), "--parallelism", "2",
                "--checkpoint-ms", "500", "--delay-ms", Integer.toString(delayMillis));
    }

    /** The lines of the committed part files (in-progress and pending files are hidden, named ".part-..."), sorted. */
    private static List<String> committedLines(Path output) throws IOException {
        if (!Files.exists(output)) {
            return List.of();
        }
        List<String> lines = new ArrayList<>();
        try (Stream<Path> files = Files.walk(output)) {
            for (Path file : files.filter(Files::isRegularFile)
                    .filter(f -> !f.getFileName().toString().startsWith(".")).toList()) {
                lines.addAll(Files.readAllLines(file));
            }
        }
        return lines.stream().sorted().toList();
    }

    private static void awaitState(String job, String... states) throws Exception {
        Set<String> wanted = new HashSet<>(List.of(states));
        await("job " + job + " in state " + wanted, () -> {
            String state = cluster.rest().state(job);
            if (state.equals("FAILED") || state.equals("CANCELED")) {
                throw new AssertionError("job " + job + " is " + state + "; logs in " + cluster.logs());
            }
            return wanted.contains(state);
        });
    }

    private interface Condition {
        boolean holds() throws Exception;
    }

    private static void await(String what, Condition condition) throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (!condition.holds()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + JOB_TIMEOUT.toSeconds() + " s waiting for " + what
                        + "; logs in " + cluster.logs());
            }
            Thread.sleep(50);
        }
    }

    /** A job jar as {@code flink run} takes it: the module's compiled classes (the tests run before packaging). */
    private static Path jarOf(Path classes, Path jar) throws IOException {
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file);
                Stream<Path> paths = Files.walk(classes)) {
            for (Path path : paths.filter(Files::isRegularFile).toList()) {
                out.putNextEntry(new JarEntry(classes.relativize(path).toString().replace('\\', '/')));
                Files.copy(path, out);
                out.closeEntry();
            }
        }
        return jar;
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (Files.exists(path)) {
            try (Stream<Path> paths = Files.walk(path)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
    }
}
