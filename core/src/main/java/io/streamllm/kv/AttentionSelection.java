package io.streamllm.kv;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.function.LongToIntFunction;

/**
 * The tokens a cache keeps for the attention they receive (H2O's heavy hitters, SnapKV's selection), beside its
 * sinks and window: their stream positions in order, the slots that hold them, and the attention every slot has
 * received, summed over layers and queries, one row per query head (the heads run in parallel, each adding to
 * its own row).
 *
 * <p>In-cache positions: the kept token of rank r sits at position sinks + r, between the sinks and the window,
 * however far back in the stream it came from. Its key was rotated once, at its stream position, when it was
 * written; attention scores it with the query rotated by the difference ({@link BatchPlan#keptShift}).
 */
final class AttentionSelection {
    private final int capacity;
    private final int window;
    private final int roundTokens;
    private final boolean lastRoundOnly;
    private final int slotCount;
    private final int firstKeptSlot;

    private final long[] positions;
    private final int[] slots;
    private int count;
    private final int[] freeSlots;
    private int freeCount;

    private double[] received = new double[0];
    private int rows;

    // One round's candidates: the kept tokens, then the window tokens leaving (both in stream order).
    private final long[] candidatePositions;
    private final int[] candidateSlots;
    private final double[] candidateScores;
    private final boolean[] candidateEvicted;

    AttentionSelection(CachePolicy policy, int slotCount) {
        this.capacity = policy.keptTokens();
        this.window = policy.windowTokens();
        this.roundTokens = policy.roundTokens();
        this.lastRoundOnly = policy.scoresLastRoundOnly();
        this.slotCount = slotCount;
        this.positions = new long[capacity];
        this.slots = new int[capacity];
        this.freeSlots = new int[capacity];
        int candidates = capacity + roundTokens;
        this.candidatePositions = new long[candidates];
        this.candidateSlots = new int[candidates];
        this.candidateScores = new double[candidates];
        this.candidateEvicted = new boolean[candidates];
        this.firstKeptSlot = policy.sinkTokens();
        clear();
    }

    /** Forgets the kept tokens and all attention received. */
    void clear() {
        count = 0;
        freeCount = capacity;
        for (int i = 0; i < capacity; i++) {
            freeSlots[i] = firstKeptSlot + capacity - 1 - i;
        }
        Arrays.fill(received, 0);
    }

    int count() {
        return count;
    }

    /** Slots of the kept tokens, by rank ([0, count) valid). */
    int[] slots() {
        return slots;
    }

    /** Stream positions of the kept tokens, ascending ([0, count) valid). */
    long[] positions() {
        return positions;
    }

    /**
     * The rows attention adds its weights to, {@link #rowStride} entries per query head, indexed by slot; sized
     * for {@code heads} on first use.
     */
    double[] receivedRows(int heads) {
        if (rows < heads) {
            received = Arrays.copyOf(received, heads * slotCount);
            rows = heads;
        }
        return received;
    }

    int rowStride() {
        return slotCount;
    }

    /** A slot is about to hold a new token: it has received nothing yet. */
    void clearReceived(int slot) {
        for (int r = 0; r < rows; r++) {
            received[r * slotCount + slot] = 0;
        }
    }

    /** The attention the token in {@code slot} has received, all heads together. */
    double receivedBy(int slot) {
        double sum = 0;
        for (int r = 0; r < rows; r++) {
            sum += received[r * slotCount + slot];
        }
        return sum;
    }

    /**
     * Tokens that can be fed in one batch from a window of {@code windowTokens}: up to and including the next one
     * at whose end the cache must act (a round, or the start of SnapKV's observation window).
     */
    long tokensToNextEvent(int windowTokens) {
        int observationStart = window + 1 - roundTokens;
        int next = lastRoundOnly && windowTokens < observationStart ? observationStart : window + 1;
        return next - windowTokens;
    }

    /** After a token's batch: SnapKV observes only the queries since its last round (or since the window filled). */
    void afterToken(int windowTokens) {
        if (lastRoundOnly && windowTokens == window + 1 - roundTokens) {
            Arrays.fill(received, 0);
        }
    }

    interface SlotMover {
        void move(int from, int to);
    }

    /**
     * One round: the kept tokens and the {@code leaving} oldest window tokens (from {@code windowStart}) compete;
     * the ones that received the least attention are evicted until the rest fit (the older first on a tie).
     * Returns how many were evicted.
     */
    int round(long windowStart, int leaving, LongToIntFunction slotOf, SlotMover mover) {
        int n = 0;
        for (int r = 0; r < count; r++) {
            addCandidate(n++, positions[r], slots[r]);
        }
        for (int j = 0; j < leaving; j++) {
            long position = windowStart + j;
            addCandidate(n++, position, slotOf.applyAsInt(position));
        }
        int evictions = Math.max(0, n - capacity);
        for (int e = 0; e < evictions; e++) {
            int weakest = -1;
            for (int c = 0; c < n; c++) {
                if (!candidateEvicted[c] && (weakest < 0 || candidateScores[c] < candidateScores[weakest])) {
                    weakest = c;
                }
            }
            candidateEvicted[weakest] = true;
            if (weakest < count) {
                freeSlots[freeCount++] = candidateSlots[weakest];
            }
        }
        int kept = 0;
        for (int c = 0; c < n; c++) {
            if (candidateEvicted[c]) {
                continue;
            }
            int slot = candidateSlots[c];
            if (c >= count) {
                int to = freeSlots[--freeCount];
                mover.move(slot, to);
                for (int r = 0; r < rows; r++) {
                    received[r * slotCount + to] = received[r * slotCount + slot];
                }
                slot = to;
            }
            positions[kept] = candidatePositions[c];
            slots[kept] = slot;
            kept++;
        }
        count = kept;
        return evictions;
    }

    void writePositions(DataOutputStream out) throws IOException {
        out.writeInt(count);
        for (int r = 0; r < count; r++) {
            out.writeLong(positions[r]);
        }
    }

    /**
     * Reads what {@link #writePositions} wrote, checking that the positions are ascending and lie between the
     * sinks and the window; the tokens get the first kept slots. Returns how many there are.
     */
    int readPositions(DataInputStream in, int sinks, long windowStart) throws IOException {
        clear();
        int kept = in.readInt();
        if (kept < 0 || kept > capacity) {
            throw new IOException("corrupt KV cache snapshot: " + kept + " kept tokens where at most " + capacity + " fit");
        }
        long previous = sinks - 1;
        for (int r = 0; r < kept; r++) {
            long position = in.readLong();
            if (position <= previous || position >= windowStart) {
                throw new IOException("corrupt KV cache snapshot: kept token at position " + position);
            }
            previous = position;
            positions[r] = position;
            slots[r] = freeSlots[--freeCount];
        }
        count = kept;
        return kept;
    }

    void writeReceived(DataOutputStream out, int[] heldSlots) throws IOException {
        out.writeInt(rows);
        for (int r = 0; r < rows; r++) {
            for (int slot : heldSlots) {
                out.writeDouble(received[r * slotCount + slot]);
            }
        }
    }

    void readReceived(DataInputStream in, int[] heldSlots) throws IOException {
        int heads = in.readInt();
        if (heads < 0 || heads > 1 << 16) {
            throw new IOException("corrupt KV cache snapshot: attention received by " + heads + " heads");
        }
        receivedRows(heads);
        Arrays.fill(received, 0);
        for (int r = 0; r < heads; r++) {
            for (int slot : heldSlots) {
                received[r * slotCount + slot] = in.readDouble();
            }
        }
    }

    private void addCandidate(int c, long position, int slot) {
        candidatePositions[c] = position;
        candidateSlots[c] = slot;
        candidateScores[c] = receivedBy(slot);
        candidateEvicted[c] = false;
    }
}
