package io.streamllm.flink;

/**
 * What the keyed operator keeps for one key between records.
 *
 * @param snapshot the session's snapshot: its sink cache, S+W tokens of KV at most
 * @param tokens   the tokens of the key's stream so far, the pending one included
 * @param pending  the stream's last token, scored but not yet fed into the cache
 */
public record KeyState(byte[] snapshot, long tokens, int[] pending) {

    /** {@return the bytes this key's state holds: its snapshot, count and pending tokens} */
    public long bytes() {
        return snapshot.length + Long.BYTES + (long) pending.length * Integer.BYTES;
    }
}
