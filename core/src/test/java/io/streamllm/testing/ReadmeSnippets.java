package io.streamllm.testing;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java snippets of a README section, compiled and run as the README shows them, so that a README that drifts
 * from the code fails the build.
 *
 * <p>Every {@code ```java} block of the section follows a marker line {@code <!-- snippet: MODULE/NAME -->}
 * naming the module whose tests run it (its test class path holds what the snippet imports). A snippet is import
 * lines, then declarations and statements: it becomes the body of a {@code main} method (a local interface or
 * record is allowed there) and runs in a JVM of its own, started in the repository root so that paths such as
 * {@code models/...} resolve as they do for a reader who cloned it.
 */
public final class ReadmeSnippets {
    private static final Pattern MARKER = Pattern.compile("<!-- snippet: ([\\w-]+)/([\\w-]+) -->");
    private static final String JAVA_FENCE = "```java";
    private static final String FENCE = "```";

    private ReadmeSnippets() {
    }

    /**
     * One marked block.
     *
     * @param module the module whose tests run it
     * @param name   its name, unique in the section
     * @param line   the README line of its first code line (1-based)
     * @param code   the block's text
     */
    public record Snippet(String module, String name, int line, List<String> code) {
        /** The class the snippet is compiled into. */
        String className() {
            return "ReadmeSnippet_" + module.replace('-', '_') + "_" + name.replace('-', '_');
        }
    }

    /**
     * What a snippet's JVM did.
     *
     * @param exitCode its exit status
     * @param output   its stdout and stderr, interleaved
     */
    public record Run(int exitCode, String output) {
    }

    /** The repository's README.md. */
    public static Path readme() {
        return References.repositoryRoot().resolve("README.md");
    }

    /**
     * The marked {@code java} blocks of the section under the level-2 heading {@code heading}.
     *
     * @throws IllegalStateException when the section is missing, or one of its {@code java} blocks has no marker
     */
    public static List<Snippet> inSection(Path readme, String heading) {
        List<String> lines = readLines(readme);
        int start = lines.indexOf("## " + heading);
        if (start < 0) {
            throw new IllegalStateException(readme + " has no section \"## " + heading + "\"");
        }
        List<Snippet> snippets = new ArrayList<>();
        String previous = "";
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String line = lines.get(i);
            if (line.strip().equals(JAVA_FENCE)) {
                Matcher marker = MARKER.matcher(previous.strip());
                if (!marker.matches()) {
                    throw new IllegalStateException(readme.getFileName() + " line " + (i + 1)
                            + ": a java block without a <!-- snippet: MODULE/NAME --> line before it");
                }
                int first = i + 1;
                int end = first;
                while (end < lines.size() && !lines.get(end).strip().equals(FENCE)) {
                    end++;
                }
                snippets.add(new Snippet(marker.group(1), marker.group(2), first + 1, lines.subList(first, end)));
                i = end;
            }
            if (!line.isBlank()) {
                previous = line;
            }
        }
        return snippets;
    }

    /**
     * Compiles {@code snippet} against this JVM's test class path into {@code classes}.
     *
     * @throws AssertionError listing the compiler's errors at their README lines
     */
    public static void compile(Snippet snippet, Path classes) {
        Source source = Source.of(snippet);
        JavaCompiler compiler = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        List<String> options = List.of("-d", classes.toString(), "-classpath", testClassPath(), "-proc:none",
                "-Xlint:-options");
        boolean compiled = compiler.getTask(null, null, diagnostics, options, null, List.of(source)).call();
        if (!compiled) {
            StringBuilder errors = new StringBuilder("README.md's snippet " + snippet.module() + "/" + snippet.name()
                    + " does not compile:");
            for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
                if (d.getKind() == Diagnostic.Kind.ERROR) {
                    errors.append("\n  README.md line ").append(source.readmeLine((int) d.getLineNumber()))
                            .append(": ").append(d.getMessage(null));
                }
            }
            throw new AssertionError(errors);
        }
    }

    /**
     * Runs a compiled snippet in a JVM of its own, in the repository root, with {@code jvmFlags}.
     *
     * @throws AssertionError when it does not finish within {@code minutes} (a hang, not a slow run)
     */
    public static Run run(Snippet snippet, Path classes, List<String> jvmFlags, int minutes)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmFlags);
        command.addAll(List.of("-cp", classes + java.io.File.pathSeparator + testClassPath(), snippet.className()));
        Path output = Files.createTempFile(classes, "output", ".txt");
        Process process = new ProcessBuilder(command)
                .directory(References.repositoryRoot().toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile())
                .start();
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError("README.md's snippet " + snippet.name() + " still ran after " + minutes
                    + " minutes:\n" + Files.readString(output));
        }
        return new Run(process.exitValue(), Files.readString(output));
    }

    /** The class path the tests run on: Surefire's real one (java.class.path may be its manifest-only jar). */
    private static String testClassPath() {
        String surefire = System.getProperty("surefire.test.class.path");
        return surefire != null && !surefire.isBlank() ? surefire : System.getProperty("java.class.path");
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A snippet wrapped into a class, remembering which README line each of its lines came from. */
    private static final class Source extends SimpleJavaFileObject {
        private final String text;
        private final List<Integer> readmeLines;

        private Source(String className, String text, List<Integer> readmeLines) {
            super(URI.create("string:///" + className + Kind.SOURCE.extension), Kind.SOURCE);
            this.text = text;
            this.readmeLines = readmeLines;
        }

        static Source of(Snippet snippet) {
            StringBuilder text = new StringBuilder();
            List<Integer> origins = new ArrayList<>();
            List<String> code = snippet.code();
            int body = 0;
            while (body < code.size() && (code.get(body).startsWith("import ") || code.get(body).isBlank())) {
                text.append(code.get(body)).append('\n');
                origins.add(snippet.line() + body);
                body++;
            }
            text.append("public class ").append(snippet.className()).append(" {\n")
                    .append("    public static void main(String[] args) throws Exception {\n");
            origins.add(snippet.line() + body);
            origins.add(snippet.line() + body);
            for (int i = body; i < code.size(); i++) {
                text.append(code.get(i)).append('\n');
                origins.add(snippet.line() + i);
            }
            text.append("    }\n}\n");
            return new Source(snippet.className(), text.toString(), origins);
        }

        int readmeLine(int sourceLine) {
            return readmeLines.get(Math.clamp(sourceLine - 1, 0, readmeLines.size() - 1));
        }

        @Override
        public CharSequence getCharContent(boolean ignoreEncodingErrors) {
            return text;
        }
    }
}
