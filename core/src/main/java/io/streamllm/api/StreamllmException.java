package io.streamllm.api;

/**
 * An error whose message is meant for the user: it names the problem in one line.
 * Front ends print {@link #getMessage()} and exit non-zero instead of showing a stack trace.
 */
public class StreamllmException extends RuntimeException {
    /**
     * An error with a one-line message.
     *
     * @param message the problem, in one line meant for the user
     */
    public StreamllmException(String message) {
        super(message);
    }

    /**
     * An error caused by another.
     *
     * @param message the problem, in one line meant for the user
     * @param cause   the error underneath
     */
    public StreamllmException(String message, Throwable cause) {
        super(message, cause);
    }
}
