package io.streamllm.api;

/**
 * A KV cache that cannot hold what it is asked to: the memory it needs is not free, or a batch does not fit
 * beside what the policy must keep. The message says how much was needed and what was available.
 */
public class CacheFullException extends StreamllmException {
    /**
     * An error with a one-line message.
     *
     * @param message the sizes needed and available
     */
    public CacheFullException(String message) {
        super(message);
    }
}
