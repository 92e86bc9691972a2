package io.streamllm.kv;

/**
 * What each token of a batch attends to, worked out once by the cache for all layers ({@link KvCache#beginBatch}):
 * where its key and value go, its position in the stream and inside the cache, the sinks it sees (slots
 * 0..) and its window (a run of slots ending at itself, which may wrap from the ring's end to its start).
 * Attention only reads it; the cache rewrites it for the next batch (one object per cache, so that decoding
 * allocates nothing).
 *
 * <p>Distances: the window is contiguous up to the query, so window key j of n is at distance n - 1 - j, the
 * same inside the cache as in the stream; sink s is at distance {@code cachePosition(i) - s}. RoPE rotates
 * keys at {@link #position} and scores sinks with the query at {@link #cachePosition}; ALiBi biases by these
 * distances. A layer with a sliding window of w sees the keys at distance below w ({@link #firstSink},
 * {@link #windowKeys}, {@link #windowFirstSlot} with that w): llama.cpp's mask, over in-cache positions.
 */
public final class BatchPlan {
    private final long[] positions;
    private final long[] cachePositions;
    private final int[] slots;
    private final int[] sinks;
    private final int[] windowKeys;
    private final int[] windowFirstSlots;
    private int count;
    private int ringStart;
    private int ringEnd;
    // Tokens kept by attention (H2O, SnapKV), the same for the whole batch: the cache's own arrays, read only.
    private int keptCount;
    private int[] keptSlots;
    private long[] keptPositions;
    private int receivedStride;
    private AttentionSelection selection;
    private boolean splitsHeads;

    BatchPlan(int maxBatch) {
        positions = new long[maxBatch];
        cachePositions = new long[maxBatch];
        slots = new int[maxBatch];
        sinks = new int[maxBatch];
        windowKeys = new int[maxBatch];
        windowFirstSlots = new int[maxBatch];
    }

    void begin(int count, int ringStart, int ringEnd, boolean splitsHeads) {
        this.count = count;
        this.splitsHeads = splitsHeads;
        this.ringStart = ringStart;
        this.ringEnd = ringEnd;
        this.keptCount = 0;
        this.selection = null;
    }

    void kept(AttentionSelection selection) {
        this.selection = selection;
        this.keptCount = selection.count();
        this.keptSlots = selection.slots();
        this.keptPositions = selection.positions();
        this.receivedStride = selection.rowStride();
    }

    void set(int i, long position, long cachePosition, int slot, int sinkCount, int windowCount, int windowFirstSlot) {
        positions[i] = position;
        cachePositions[i] = cachePosition;
        slots[i] = slot;
        sinks[i] = sinkCount;
        windowKeys[i] = windowCount;
        windowFirstSlots[i] = windowFirstSlot;
    }

    /** Tokens in the batch. */
    public int count() {
        return count;
    }

    /** Token i's position in the stream. */
    public long position(int i) {
        return positions[i];
    }

    /** Token i's position inside the cache: after the sinks and the window keys it sees. */
    public long cachePosition(int i) {
        return cachePositions[i];
    }

    /** The slot token i's key and value are written to. */
    public int slot(int i) {
        return slots[i];
    }

    /** The first sink slot token i sees with a sliding window of {@code window} (Integer.MAX_VALUE: none). */
    public int firstSink(int i, int window) {
        return (int) Math.clamp(cachePositions[i] - window + 1, 0, sinks[i]);
    }

    /** The sinks token i sees: slots [firstSink, sinkEnd). */
    public int sinkEnd(int i) {
        return sinks[i];
    }

    /** How many window keys token i sees (itself the last) with a sliding window of {@code window}. */
    public int windowKeys(int i, int window) {
        return Math.min(windowKeys[i], window);
    }

    /** The slot of the oldest window key token i sees with a sliding window of {@code window}. */
    public int windowFirstSlot(int i, int window) {
        int skipped = windowKeys[i] - windowKeys(i, window);
        int slot = windowFirstSlots[i] + skipped;
        return slot < ringEnd ? slot : ringStart + (slot - ringEnd);
    }

    /** Whether some KV heads keep every token at its stream position (duo's retrieval heads) instead of this plan's view. */
    public boolean splitsHeads() {
        return splitsHeads;
    }

    /** Keys token i sees at most (no sliding window): its sinks, the kept tokens and its window. */
    public int keys(int i) {
        return sinks[i] + keptCount + windowKeys[i];
    }

    /**
     * Tokens kept for the attention they received, between the sinks and the window (none unless the policy
     * selects by attention). Kept token r sits at in-cache position {@code sinkEnd + r}.
     */
    public int keptCount() {
        return keptCount;
    }

    /** The first kept token (by rank) token i sees with a sliding window of {@code window}. */
    public int firstKept(int i, int window) {
        return (int) Math.clamp(cachePositions[i] - window + 1 - sinks[i], 0, keptCount);
    }

    /** The slot of kept token r. */
    public int keptSlot(int r) {
        return keptSlots[r];
    }

    /** The stream position of kept token r. */
    public long keptPosition(int r) {
        return keptPositions[r];
    }

    /**
     * Where token i's query is rotated to score kept token r at its in-cache distance: the key was rotated at
     * its stream position, so the query goes there plus the in-cache distance.
     */
    public long keptQueryPosition(int i, int r) {
        return keptPositions[r] + cachePositions[i] - (sinks[i] + r);
    }

    /**
     * Rows that attention adds each query's weights to, one per query head ({@link #receivedStride} entries each,
     * indexed by slot), when the cache selects by attention; null otherwise.
     */
    public double[] receivedRows(int heads) {
        return selection == null ? null : selection.receivedRows(heads);
    }

    /** The stride of {@link #receivedRows}. */
    public int receivedStride() {
        return receivedStride;
    }

    /** The first slot of the ring (after the sinks' slots). */
    public int ringStart() {
        return ringStart;
    }

    /** The slot after the ring's last: a window wraps from here to {@link #ringStart}. */
    public int ringEnd() {
        return ringEnd;
    }
}
