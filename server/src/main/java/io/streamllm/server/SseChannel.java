package io.streamllm.server;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Server-sent events to one client, written by a thread of their own: the generation hands events
 * over without waiting, so a slow or stalled client never holds the model up. A write that fails
 * means the client went away; {@link #clientGone()} then tells the generation to stop.
 */
final class SseChannel implements AutoCloseable {
    private static final byte[] END = new byte[0];

    private final OutputStream out;
    private final LinkedBlockingQueue<byte[]> events = new LinkedBlockingQueue<>();
    private final Thread writer;
    private volatile boolean clientGone;

    SseChannel(OutputStream out) {
        this.out = out;
        this.writer = Thread.ofVirtual().name("sse-writer").start(this::writeEvents);
    }

    /** Queues {@code data: <json>}. */
    void send(String json) {
        events.add(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Queues {@code event: <name>} then {@code data: <json>} (the Responses API names its events). */
    void send(String event, String json) {
        events.add(("event: " + event + "\ndata: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Queues {@code <json>} and a newline: one line of an NDJSON stream (Ollama's), over the same writer. */
    void sendLine(String json) {
        events.add((json + "\n").getBytes(StandardCharsets.UTF_8));
    }

    /** Queues OpenAI's end-of-stream marker. */
    void sendDone() {
        events.add("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    }

    boolean clientGone() {
        return clientGone;
    }

    private void writeEvents() {
        try {
            while (true) {
                byte[] event = events.take();
                if (event == END) {
                    endResponse();
                    break;
                }
                if (clientGone) {
                    continue; // drain: nobody is reading
                }
                try {
                    out.write(event);
                    if (events.isEmpty()) {
                        out.flush(); // one flush for whatever queued up meanwhile
                    }
                } catch (IOException | RuntimeException e) {
                    clientGone = true;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Ends the response here, with its last chunk written, rather than after the request's handler
     * returns: a server shutting down closes its connections as soon as no handler is running, and a
     * response that Jetty completes after that reaches the client without its end.
     */
    private void endResponse() {
        if (!clientGone) {
            try {
                out.close();
            } catch (IOException | RuntimeException e) {
                clientGone = true;
            }
        }
    }

    /** Writes what is queued and ends the response, then returns. */
    @Override
    public void close() {
        events.add(END);
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
