package io.streamllm.cli;

import com.sun.management.OperatingSystemMXBean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code streamllm} launcher script, run on a copy of it whose jar is {@link LauncherProbe}: an up-to-date jar
 * needs no Maven, a JAVA_HOME it passes over is named, stderr reaches the user whole, and the JVM's defaults.
 */
class LauncherTest {
    @TempDir
    Path root;

    private final Map<String, String> env = new java.util.HashMap<>();

    @BeforeEach
    void copyTheLauncher() throws IOException {
        Path repository = CliRun.repositoryRoot();
        Files.createDirectories(root.resolve("scripts"));
        for (String file : List.of("streamllm", "scripts/find-jdk.sh", "scripts/jvm-options.sh")) {
            Files.copy(repository.resolve(file), root.resolve(file));
        }
        Path jar = Files.createDirectories(root.resolve("cli/target")).resolve("streamllm.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, LauncherProbe.class.getName());
        String probe = LauncherProbe.class.getName().replace('.', '/') + ".class";
        try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest);
             InputStream in = LauncherProbe.class.getClassLoader().getResourceAsStream(probe)) {
            out.putNextEntry(new JarEntry(probe));
            in.transferTo(out);
        }
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("PATH", toolsWithoutMaven().toString());
        env.put("STREAMLLM_JAVA_OPTS", "");
    }

    /** A PATH with the tools the launcher uses, and no mvn. */
    private Path toolsWithoutMaven() throws IOException {
        Path bin = Files.createDirectories(root.resolve("bin"));
        for (String tool : List.of("bash", "dirname", "find", "sed", "grep", "setsid", "kill")) {
            for (String dir : List.of("/usr/bin", "/bin")) {
                if (Files.isExecutable(Path.of(dir, tool))) {
                    executable(bin.resolve(tool), "#!/bin/sh\nexec " + Path.of(dir, tool) + " \"$@\"\n");
                    break;
                }
            }
        }
        return bin;
    }

    private record Run(int exitCode, String stdout, String stderr) {
    }

    private Run launch(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("bash", root.resolve("streamllm").toString()));
        command.addAll(List.of(args));
        Process process = start(command);
        String stdout = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(2, TimeUnit.MINUTES)).isTrue();
        return new Run(process.exitValue(), stdout, stderr);
    }

    private Process start(List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(root.toFile());
        builder.environment().clear();
        builder.environment().putAll(env);
        return builder.start();
    }

    @Test
    void anUpToDateJarRunsWithoutMaven() throws Exception {
        Run run = launch();
        assertThat(run.stderr()).doesNotContain("Maven").doesNotContain("WARNING");
        assertThat(run.stdout()).isEqualTo("probe ran\n");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void errorsQuotingBinaryBytesReachStderr() throws Exception {
        Run run = launch("nul");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).isEqualTo("streamllm: model.gguf: bad key 'a\0b'\n");
    }

    @Test
    void whatTheJvmPrintsAfterCtrlCReachesStderr() throws Exception {
        // Its own process group, as a shell gives a foreground job: Ctrl-C signals every process in it.
        Process process = start(List.of("setsid", root.resolve("streamllm").toString(), "sigint"));
        byte[] ready = process.getInputStream().readNBytes("ready\n".length());
        assertThat(new String(ready, StandardCharsets.UTF_8)).isEqualTo("ready\n");
        new ProcessBuilder("kill", "-INT", "--", "-" + process.pid()).start().waitFor();
        String stderr = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
        assertThat(stderr).contains("stopped by Ctrl-C, timings follow");
    }

    @Test
    void aJavaHomeTooOldIsNamedAndPassedOver() throws Exception {
        Path jdk17 = fakeJdk("17");
        env.put("JAVA_HOME", jdk17.toString());
        env.put("STREAMLLM_JDK_SEARCH", System.getProperty("java.home"));
        Run run = launch();
        assertThat(run.stdout()).isEqualTo("probe ran\n");
        assertThat(run.stderr()).contains("JAVA_HOME=" + jdk17 + " is JDK 17, too old (22 or newer is needed); using "
                + System.getProperty("java.home") + " instead");
    }

    @Test
    void noJdkAtAllIsAClearError() throws Exception {
        env.remove("JAVA_HOME");
        env.put("STREAMLLM_JDK_SEARCH", fakeJdk("17") + " " + root.resolve("absent"));
        Run run = launch();
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.stderr()).startsWith("streamllm: no JDK 22 or newer found (JAVA_HOME is not set; looked in ");
    }

    @Test
    void theDefaultHeapIsBoundedAndGivenBackByG1() throws Exception {
        Run run = launch("jvm");
        assertThat(run.stdout()).contains("gc: G1");
        long ram = ManagementFactory.getPlatformMXBean(OperatingSystemMXBean.class).getTotalMemorySize();
        // Half of RAM, rounded up to G1 regions (at most 32 MiB).
        assertThat(maxHeap(run)).isLessThanOrEqualTo(ram / 2 + (32L << 20));
    }

    @Test
    void streamllmJavaOptsOverrideTheDefaults() throws Exception {
        env.put("STREAMLLM_JAVA_OPTS", "-XX:+UseSerialGC -Xmx200m");
        Run run = launch("jvm");
        assertThat(run.exitCode()).as(run.stderr()).isZero();
        assertThat(run.stdout()).contains("gc: Copy, MarkSweepCompact");
        assertThat(maxHeap(run)).isBetween(150L << 20, 200L << 20);
    }

    private static long maxHeap(Run run) {
        Matcher m = Pattern.compile("max heap: (\\d+)").matcher(run.stdout());
        assertThat(m.find()).as(run.stdout() + run.stderr()).isTrue();
        return Long.parseLong(m.group(1));
    }

    /** A directory that looks like a JDK of {@code version} to the launcher's version check. */
    private Path fakeJdk(String version) throws IOException {
        Path bin = Files.createDirectories(root.resolve("jdk-" + version + "/bin"));
        for (String tool : List.of("java", "javac")) {
            executable(bin.resolve(tool), "#!/bin/sh\necho '    java.specification.version = " + version + "' >&2\n");
        }
        return bin.getParent();
    }

    private static void executable(Path file, String script) throws IOException {
        Files.writeString(file, script);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
