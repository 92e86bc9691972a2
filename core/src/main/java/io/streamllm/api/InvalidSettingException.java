package io.streamllm.api;

/** A setting that cannot be used: a malformed cache policy, a negative size, an unknown KV type. */
public class InvalidSettingException extends StreamllmException {
    /**
     * An error with a one-line message.
     *
     * @param message the setting and what is wrong with it
     */
    public InvalidSettingException(String message) {
        super(message);
    }
}
