package io.streamllm.server;

import io.streamllm.api.Conversation;

import java.util.Optional;

/**
 * One conversation the server keeps: its {@link Conversation} (KV cache and token history) and the
 * transcript of its last turn. Only the holder of its lease touches the conversation; the transcript
 * is published for readers (stats, metrics) after every turn.
 */
final class ChatSession {
    private final String id;
    private final boolean temporary;
    private Conversation conversation;
    private volatile Transcript transcript;
    private HistoryText historyText;

    /** Whether a request holds it (guarded by the SessionStore). */
    boolean busy;
    /** Requests waiting for it to be free (guarded by the SessionStore). */
    int waiting;
    /** When its last request ended, by System.nanoTime (guarded by the SessionStore). */
    long lastUsedNanos = System.nanoTime();

    ChatSession(String id, boolean temporary) {
        this.id = id;
        this.temporary = temporary;
    }

    /** The id clients name it by (for a temporary session, an internal one). */
    String id() {
        return id;
    }

    /** A session of one request without a session id: never saved, forgotten after the request. */
    boolean temporary() {
        return temporary;
    }

    /** The conversation, or null before it was created or restored. */
    Conversation conversation() {
        return conversation;
    }

    void conversation(Conversation conversation) {
        this.conversation = conversation;
    }

    /** The last committed turn's transcript, or null before the first. */
    Transcript transcript() {
        return transcript;
    }

    void transcript(Transcript transcript) {
        this.transcript = transcript;
    }

    /** What the conversation's history stands for as text, if known (not after a restore or a failed turn). */
    Optional<HistoryText> historyText() {
        return Optional.ofNullable(historyText);
    }

    void historyText(HistoryText text) {
        this.historyText = text;
    }
}
