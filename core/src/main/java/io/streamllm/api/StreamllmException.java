package io.streamllm.api;

/**
 * An error whose message is meant for the user: it names the problem in one line.
 * Front ends print {@link #getMessage()} and exit non-zero instead of showing a stack trace.
 */
public class StreamllmException extends RuntimeException {
    public StreamllmException(String message) {
        super(message);
    }

    public StreamllmException(String message, Throwable cause) {
        super(message, cause);
    }
}
