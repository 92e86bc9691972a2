package io.streamllm.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Runs the command line in-process and captures what it prints. */
record CliRun(int exitCode, String stdout, String stderr) {

    static CliRun of(String... args) {
        return withStdout(new ByteArrayOutputStream(), args);
    }

    /** Runs with stdout going to {@code stdout}; the result's stdout is what it holds, if it is a byte array stream. */
    static synchronized CliRun withStdout(OutputStream stdout, String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream stderr = new ByteArrayOutputStream();
        String home = System.getProperty("streamllm.home");
        try {
            System.setOut(new PrintStream(stdout, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
            System.setProperty("streamllm.home", repositoryRoot().toString());
            int code = Main.run(args);
            String printed = stdout instanceof ByteArrayOutputStream bytes ? bytes.toString(StandardCharsets.UTF_8) : "";
            return new CliRun(code, printed, stderr.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            if (home == null) {
                System.clearProperty("streamllm.home");
            } else {
                System.setProperty("streamllm.home", home);
            }
        }
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
            dir = dir.getParent();
        }
        return dir;
    }
}
