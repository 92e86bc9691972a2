package io.streamllm.api;

import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A snapshot whose checksum is right but whose content is not (found by fuzzing the restore path) is
 * refused by the restore with an IOException, before it allocates what it claims and before a restored
 * conversation fails on its next turn.
 */
class CorruptSnapshotTest {
    private static final Sampling GREEDY_4 = Sampling.greedy().maxTokens(4);
    private static final StreamingModel model = SharedModel.streamingStories260K();

    @Test
    void aRecomputeWindowHoldingANonTokenIsRefusedAtRestore() throws IOException {
        Snapshot s = snapshot("recompute:40");
        s.buffer.putInt(s.sessionState() + 8 + 8, -33011); // tokens seen, window count, then the first window token
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("token id -33011 is outside the vocabulary (0..511)");
    }

    @Test
    void aHistoryTokenOutsideTheVocabularyIsRefused() throws IOException {
        Snapshot s = snapshot("sink:4:28");
        s.buffer.putInt(s.header() + 4, 512);
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("token id 512 is outside the vocabulary");
    }

    @Test
    void aHistoryLongerThanThePayloadIsRefusedBeforeAllocatingIt() throws IOException {
        Snapshot s = snapshot("sink:4:28");
        s.buffer.putInt(s.header(), Integer.MAX_VALUE);
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("a history of 2147483647 tokens");
    }

    @Test
    void aDenseCachePositionBeyondTwoToTheThirtyTwoIsRefused() throws IOException {
        Snapshot s = snapshot("dense");
        // The position cast to an int used to size the grown ring: 2^32 + 100 became 100 slots.
        s.buffer.putLong(s.cacheNextPosition(), (1L << 32) + 100);
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("corrupt KV cache snapshot");
    }

    @Test
    void aDenseCacheWithAnEvictedStartIsRefused() throws IOException {
        Snapshot s = snapshot("dense");
        // A dense cache never evicts: its window starts at the sinks. A start just below a position past 2^32
        // claimed a few rows, and the ring was grown to the position cast to an int (found by scripts/fuzz.sh).
        s.buffer.putLong(s.cacheNextPosition(), (1L << 32) + 100);
        s.buffer.putLong(s.cacheNextPosition() + 8, (1L << 32) + 90);
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("corrupt KV cache snapshot");
    }

    @Test
    void cachePositionsOutOfOrderAreRefused() throws IOException {
        Snapshot s = snapshot("sink:4:28");
        s.buffer.putLong(s.cacheNextPosition() + 16, -1); // evicted tokens
        assertThatThrownBy(() -> s.restore()).isInstanceOf(SnapshotException.class)
                .hasMessageContaining("corrupt KV cache snapshot");
    }

    private static Snapshot snapshot(String policy) throws IOException {
        Conversation conversation = conversation(policy);
        conversation.reply(model.tokenizer().encode("Once upon a time there was a dog"), GREEDY_4, t -> { }, () -> false);
        byte[] bytes = conversation.snapshot();
        return new Snapshot(policy, ByteBuffer.wrap(bytes), headerLength(bytes));
    }

    private static Conversation conversation(String policy) {
        return model.newConversation(SessionOptions.of(CachePolicy.parse(policy)));
    }

    /** Bytes of the snapshot header (what the snapshot is, of which model, with which options). */
    private static int headerLength(byte[] bytes) throws IOException {
        DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
        for (int utf = 0; utf < 3; utf++) { // magic, version, kind, architecture
            if (utf == 1) {
                in.readInt();
            }
            in.readUTF();
        }
        in.skipNBytes(3 * 4); // vocabulary, layers, KV row width
        in.readUTF(); // policy
        in.readUTF(); // KV type
        in.skipNBytes(2 * 4); // prefill and eviction chunks
        return bytes.length - in.available();
    }

    /** A conversation snapshot and the offsets of its fields after the header. */
    private record Snapshot(String policy, ByteBuffer buffer, int header) {
        /** After the history, the restart count and the session's policy: tokens seen, then the window or the cache. */
        int sessionState() {
            int history = buffer.getInt(header);
            return header + 4 + 4 * history + 8 + utfLength();
        }

        /** The cache's next position: after its magic, version, policy, KV type ("f32"), layer count and row width. */
        int cacheNextPosition() {
            return sessionState() + 8 + 4 + 4 + utfLength() + 2 + "f32".length() + 4 + 4;
        }

        private int utfLength() {
            return 2 + policy.getBytes(StandardCharsets.UTF_8).length;
        }

        void restore() {
            model.restoreConversation(buffer.array());
        }
    }
}
