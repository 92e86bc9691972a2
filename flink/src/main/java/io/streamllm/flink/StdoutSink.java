package io.streamllm.flink;

import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes each output line to the task manager's stdout, whole lines only (Flink's print sink prefixes the subtask
 * at parallelism above 1, which would break the one-JSON-object-per-line output). On the embedded mini-cluster that
 * is the command's own stdout, and {@link #written()} counts the lines for its progress report.
 */
public final class StdoutSink implements Sink<String> {
    private static final long serialVersionUID = 1L;
    private static final AtomicLong WRITTEN = new AtomicLong();
    /** Held while a line is written, so that the lines of parallel writers never interleave. */
    private static final Object LOCK = new Object();

    /** {@return the lines written by this JVM's stdout sinks so far} */
    public static long written() {
        return WRITTEN.get();
    }

    @Override
    public SinkWriter<String> createWriter(WriterInitContext context) {
        // System.out as it is now: a redirected one (tests, embedding) is honoured.
        PrintStream out = new PrintStream(System.out, false, StandardCharsets.UTF_8);
        return new SinkWriter<>() {
            @Override
            public void write(String line, Context context) {
                synchronized (LOCK) {
                    out.println(line);
                    out.flush();
                }
                WRITTEN.incrementAndGet();
            }

            @Override
            public void flush(boolean endOfInput) {
                synchronized (LOCK) {
                    out.flush();
                }
            }

            @Override
            public void close() {
                flush(true);
            }
        };
    }
}
