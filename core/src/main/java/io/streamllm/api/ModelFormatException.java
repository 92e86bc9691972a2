package io.streamllm.api;

/** A model file or directory that cannot be read: missing, truncated, foreign, or of an unsupported kind. */
public class ModelFormatException extends StreamllmException {
    public ModelFormatException(String message) {
        super(message);
    }

    public ModelFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
