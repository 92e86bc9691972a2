package io.streamllm.api;

/** A model whose architecture this engine does not implement; the message lists those it does. */
public class UnsupportedArchitectureException extends ModelFormatException {
    /**
     * An error with a one-line message.
     *
     * @param message names the architecture
     */
    public UnsupportedArchitectureException(String message) {
        super(message);
    }
}
