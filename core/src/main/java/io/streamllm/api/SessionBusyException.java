package io.streamllm.api;

/** A session used by a second thread while another is inside it: a session serves one thread at a time. */
public class SessionBusyException extends StreamllmException {
    /**
     * An error with a one-line message.
     *
     * @param message names the thread that holds the session
     */
    public SessionBusyException(String message) {
        super(message);
    }
}
