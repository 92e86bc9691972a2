package io.streamllm.fuzz;

import java.io.IOException;
import java.util.List;

/**
 * Something fed arbitrary inputs: it either succeeds or fails with its documented error type.
 * Any other throwable (an unchecked exception, an OutOfMemoryError, a StackOverflowError) is a finding.
 */
interface FuzzTarget extends AutoCloseable {

    /** The name used on the command line and for the corpus folder. */
    String name();

    /** Tokens worth inserting into this target's inputs (JSON syntax, template tags, ...). */
    default List<String> dictionary() {
        return List.of();
    }

    /**
     * Seed inputs generated from the shipped models and resources, when the corpus folder has none
     * of its own (the corpus keeps them once written).
     */
    List<byte[]> seeds() throws Exception;

    /** Runs one input; throws only the documented error type, or reports a broken promise as a finding. */
    void run(byte[] input) throws Exception;

    /** Whether {@code error} is the clean, documented failure of this target. */
    boolean isDocumented(Throwable error);

    @Override
    default void close() throws IOException {
    }
}
