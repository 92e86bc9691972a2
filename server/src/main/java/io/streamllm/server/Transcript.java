package io.streamllm.server;

import io.streamllm.chat.ChatMessage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The human-readable record of a session, written as JSON after every turn: the conversation as
 * messages (after a chat turn) and as decoded text, its exact token history (enough to rebuild the
 * KV cache by prefilling when the snapshot cannot be used), the session's stats, and the name and
 * checksum of the cache snapshot taken at the same turn.
 *
 * @param messages        the last chat request's messages plus the answer; null after a plain completion
 * @param text            the token history decoded
 * @param snapshot        file name of the snapshot of this turn, or null
 * @param snapshotCrc32c  CRC-32C of that snapshot's payload
 */
public record Transcript(String format, int version, String id, String model, String cache, String updated,
                         SessionStats stats, List<ChatMessage> messages, String text, int[] tokens,
                         String snapshot, long snapshotCrc32c) {
    static final String FORMAT = "streamllm-session";
    static final int VERSION = 1;

    public Transcript {
        messages = messages == null ? null : List.copyOf(messages);
    }

    /** The transcript of a chat turn: the request's messages followed by the answer. */
    static List<ChatMessage> withAnswer(List<ChatMessage> messages, String answer) {
        List<ChatMessage> all = new ArrayList<>(messages);
        all.add(new ChatMessage("assistant", answer));
        return all;
    }

    Transcript withStats(SessionStats newStats) {
        return new Transcript(format, version, id, model, cache, updated, newStats, messages, text, tokens, snapshot, snapshotCrc32c);
    }

    Transcript withSnapshot(String name, long crc32c) {
        return new Transcript(format, version, id, model, cache, updated, stats, messages, text, tokens, name, crc32c);
    }

    byte[] toJson() throws IOException {
        return ServerJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(this);
    }

    static Transcript fromJson(byte[] json) throws IOException {
        Transcript transcript = ServerJson.MAPPER.readValue(json, Transcript.class);
        if (!FORMAT.equals(transcript.format()) || transcript.version() != VERSION) {
            throw new IOException("not a " + FORMAT + " version " + VERSION + " file");
        }
        if (transcript.id() == null || transcript.tokens() == null || transcript.stats() == null) {
            throw new IOException("incomplete transcript");
        }
        return transcript;
    }
}
