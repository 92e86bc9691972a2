package io.streamllm.api;

/** A session snapshot that cannot be restored: corrupt, truncated, or taken of another model. */
public class SnapshotException extends StreamllmException {
    /** An error with a one-line message saying what is wrong with the snapshot. */
    public SnapshotException(String message) {
        super(message);
    }

    /** An error caused by {@code cause}, typically an {@link java.io.IOException} while reading. */
    public SnapshotException(String message, Throwable cause) {
        super(message, cause);
    }
}
