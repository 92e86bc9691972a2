package io.streamllm.server;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code streamllm serve} replicas started as processes of their own from the built jar
 * (cli/target/streamllm.jar: these tests run after it is packaged), and nginx in front of them with the
 * configuration scripts/replicas.sh writes; everything is stopped on close.
 */
final class Replicas implements AutoCloseable {
    static final String SKIP_VARIABLE = "STREAMLLM_SKIP_PROXY_TESTS";
    static final Path NGINX = Path.of("/usr/sbin/nginx");
    static final String CACHE = "sink:4:507";
    private static final Pattern LISTENING = Pattern.compile("listening on (http://\\S+)");

    /** One replica: its process and its own address (not the proxy's). */
    record Replica(Process process, String url) {
        int port() {
            return Integer.parseInt(url.substring(url.lastIndexOf(':') + 1).replace("/", ""));
        }
    }

    private final List<Process> processes = new ArrayList<>();

    /**
     * Fails naming what is missing when nginx is not installed; skips instead when {@code STREAMLLM_SKIP_PROXY_TESTS=1}.
     */
    static void requireNginx() {
        if (Files.isExecutable(NGINX)) {
            return;
        }
        String message = "the proxy tests need " + NGINX + " (Debian package nginx); scripts/ensure-nginx.sh installs it"
                + " when run as root with apt-get available";
        if ("1".equals(System.getenv(SKIP_VARIABLE))) {
            String skipped = "skipped: " + message + " (" + SKIP_VARIABLE + "=1)";
            System.err.println(skipped);
            Assumptions.abort(skipped);
        }
        Assertions.fail(message + ", or set " + SKIP_VARIABLE + "=1 to skip this test");
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
            dir = dir.getParent();
        }
        return dir;
    }

    static Path jar() {
        Path jar = repositoryRoot().resolve("cli/target/streamllm.jar");
        assertThat(jar).as("the built jar (these tests run in the integration-test phase, after mvn package)").isRegularFile();
        return jar;
    }

    /** Starts {@code java -jar streamllm.jar serve} on a free port with {@code stateDir}; returns it once it is healthy. */
    Replica serve(Path stateDir, String... options) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                // Start faster (no C2, no parallel GC threads): a replica here answers a few short turns and measures nothing.
                "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                "-Dstreamllm.home=" + repositoryRoot(), "-jar", jar().toString(), "serve",
                "-m", TestServers.modelPath().toString(), "--port", "0", "--cache", CACHE, "--state-dir", stateDir.toString()));
        command.addAll(List.of(options));
        Process process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        processes.add(process);
        CompletableFuture<String> url = new CompletableFuture<>();
        StringBuilder log = new StringBuilder();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader err = new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
                for (String line = err.readLine(); line != null; line = err.readLine()) {
                    synchronized (log) {
                        log.append(line).append('\n');
                    }
                    Matcher listening = LISTENING.matcher(line);
                    if (listening.find()) {
                        url.complete(listening.group(1));
                    }
                }
            } catch (IOException e) {
                // the process died: the future below times out or was completed
            }
            synchronized (log) {
                url.completeExceptionally(new IllegalStateException("the replica exited:\n" + log));
            }
        });
        String baseUrl = url.get(60, TimeUnit.SECONDS);
        awaitHealthy(baseUrl);
        return new Replica(process, baseUrl);
    }

    /**
     * Starts nginx in front of {@code replicas} with the configuration {@code scripts/replicas.sh nginx-conf} writes,
     * in the foreground as one process ({@code master_process off}: the test owns it); returns the proxy's address.
     */
    String nginx(Path runDir, List<Replica> replicas) throws Exception {
        Files.createDirectories(runDir);
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }
        List<String> script = new ArrayList<>(List.of("bash", repositoryRoot().resolve("scripts/replicas.sh").toString(),
                "nginx-conf", "--listen", "127.0.0.1:" + port, "--run-dir", runDir.toString()));
        replicas.forEach(replica -> script.add("127.0.0.1:" + replica.port()));
        Process generate = new ProcessBuilder(script).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String conf = new String(generate.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(generate.waitFor()).as("scripts/replicas.sh nginx-conf").isZero();
        Path confFile = Files.writeString(runDir.resolve("nginx.conf"), conf);
        Path errorLog = runDir.resolve("nginx-error.log");
        Process nginx = new ProcessBuilder(NGINX.toString(), "-p", runDir.toString(), "-c", confFile.toString(),
                "-e", errorLog.toString(), "-g", "daemon off; master_process off;")
                .redirectErrorStream(true).redirectOutput(runDir.resolve("nginx.out").toFile()).start();
        processes.add(nginx);
        String url = "http://127.0.0.1:" + port;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!healthy(url)) {
            assertThat(nginx.isAlive()).as("nginx runs: " + Files.readString(runDir.resolve("nginx.out"))
                    + (Files.exists(errorLog) ? Files.readString(errorLog) : "")).isTrue();
            assertThat(System.nanoTime()).as("nginx answers within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        return url;
    }

    private static void awaitHealthy(String baseUrl) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!healthy(baseUrl)) {
            assertThat(System.nanoTime()).as("the model loads within a minute").isLessThan(deadline);
            Thread.sleep(50);
        }
    }

    private static boolean healthy(String baseUrl) {
        try {
            return TestServers.get(baseUrl, "/health").status() == 200;
        } catch (RuntimeException e) {
            return false; // not listening yet
        }
    }

    /** Kills every process started (SIGKILL; nginx runs as one process, without workers to leave behind). */
    @Override
    public void close() throws InterruptedException {
        for (Process process : processes) {
            process.destroyForcibly();
        }
        for (Process process : processes) {
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
