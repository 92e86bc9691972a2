package io.streamllm.api;

/** A session snapshot that cannot be restored: corrupt, truncated, or taken of another model. */
public class SnapshotException extends StreamllmException {
    /**
     * An error with a one-line message.
     *
     * @param message what is wrong with the snapshot
     */
    public SnapshotException(String message) {
        super(message);
    }

    /**
     * An error caused by another.
     *
     * @param message what is wrong with the snapshot
     * @param cause   the error underneath, typically an {@link java.io.IOException} while reading
     */
    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
