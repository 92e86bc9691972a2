package io.streamllm.cli;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Results on stdout in UTF-8, noticing when the reader has gone: {@code streamllm generate -n -1 | head -c 100}
 * must stop once head exits, like a Unix tool that SIGPIPE ends. A PrintStream swallows write errors, so
 * the commands ask {@link #closed()} and stop.
 */
final class Stdout {
    /** The exit status of a Unix tool ended by SIGPIPE (128 + 13); a JVM ignores the signal itself. */
    static final int CLOSED_EXIT_CODE = 141;

    /** Looked up when created, so that a redirected System.out (tests, embedding) is honoured. */
    private final PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);

    PrintStream stream() {
        return out;
    }

    /** Prints and flushes {@code text} (a streamed piece of an answer). */
    void print(String text) {
        out.print(text);
        out.flush();
    }

    /** Whether a write failed: the reader closed the pipe (or the disk is full). Flushes first. */
    boolean closed() {
        // PrintStream.checkError also asks the PrintStream it wraps (System.out), where the write failed.
        return out.checkError();
    }
}
