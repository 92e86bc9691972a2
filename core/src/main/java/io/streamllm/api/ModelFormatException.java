package io.streamllm.api;

/** A model file or directory that cannot be read: missing, truncated, foreign, or of an unsupported kind. */
public class ModelFormatException extends StreamllmException {
    /**
     * An error with a one-line message.
     *
     * @param message names the file and what is wrong with it
     */
    public ModelFormatException(String message) {
        super(message);
    }

    /**
     * An error caused by another.
     *
     * @param message names the file and what is wrong with it
     * @param cause   the error underneath, e.g. an {@link java.io.IOException} while reading
     */
    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
