package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.api.CacheFullException;
import io.streamllm.api.InvalidSettingException;
import io.streamllm.api.StreamllmException;
import io.streamllm.tensor.KvKernels;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.FloatBuffer;

/**
 * The keys and values of one stream, kept as its {@link CachePolicy} says: the first S tokens
 * (attention sinks) in fixed slots, the most recent tokens in a ring buffer.
 *
 * <p>Positions: every key is rotated once, when written, at its absolute position in the stream
 * (sinks at 0..S-1). The window is contiguous and ends at the query, so its distances to the query
 * are the same inside the cache as in the stream; the forward pass scores it with the query rotated
 * at its absolute position. Only the sinks need the in-cache position: they are scored with a second
 * rotation of the query, at {@link BatchPlan#cachePosition}. Evicting is therefore moving an index:
 * nothing is copied and nothing is re-rotated, whatever the length of the stream.
 *
 * <p>Attention talks to the cache through three calls per batch: {@link #beginBatch} hands it the batch's
 * {@link BatchPlan}, {@link #layer} the keys and values of a layer, {@link #endBatch} evicts.
 *
 * <p>Per-token eviction (the default) keeps, for the token at position p, the sinks and the window
 * [p - W, p]: it attends to S + W cached tokens and itself. With an eviction chunk k > 1 the window
 * is cut k tokens at a time when it overflows, as llama.cpp's context shift does.
 *
 * <p>Layout: each layer is a {@link KvStore} of the cache's {@link KvType}, head-major: attention reads one
 * head's keys for all slots, contiguous in memory, streamed at the memory's full speed. Slots are the
 * sinks [0, S) then the ring [S, S + ring capacity).
 *
 * <p>Because no key is ever re-rotated, a quantized type (f16, q8_0) rounds each key and value once,
 * when it is written: streaming works with quantized KV exactly as with f32.
 */
public final class KvCache {
    private static final int INITIAL_UNBOUNDED_SLOTS = 256;

    private final CachePolicy policy;
    private final int layers;
    private final int kvLength;
    private final int kvHeads;
    private final int headDim;
    private final int sinks;
    private final int window;
    /** Slots [sinks, ringStart) hold the tokens kept by attention ({@link CachePolicy#keptTokens}). */
    private final int ringStart;
    private final AttentionSelection selection; // null unless the policy keeps tokens by the attention they receive
    private final RetrievalStores retrieval;    // null unless the policy splits the heads (DuoAttention)
    private final int evictChunk;
    private final int maxBatch;
    private final long bytesPerToken;

    private final KvType type;
    private final KvStore[] stores;
    private int ringCapacity;
    private long nextPosition;
    private long windowStart;
    private long evictedTokens;

    /** What the current batch attends to: rewritten by every {@link #beginBatch}. */
    private final BatchPlan plan;
    // The selection round's callbacks, made once: a method reference per round would allocate per token.
    private final java.util.function.LongToIntFunction slotOf = this::slot;
    private final AttentionSelection.SlotMover slotMover = this::moveToSlot;
    /** One token's row in the store's encoding, for moving kept tokens between slots without allocating. */
    private final ByteBuffer copyRow;

    public KvCache(KvShape shape, CachePolicy policy, int evictChunk, int maxBatch) {
        this(shape, policy, evictChunk, maxBatch, KvType.F32);
    }

    public KvCache(KvShape shape, CachePolicy policy, int evictChunk, int maxBatch, KvType type) {
        if (evictChunk < 1) {
            throw new InvalidSettingException("the eviction chunk must be at least 1 token, got " + evictChunk);
        }
        if (policy.windowTokens() != CachePolicy.UNBOUNDED && evictChunk > policy.windowTokens()) {
            throw new InvalidSettingException("the eviction chunk of " + evictChunk + " tokens is larger than the window of " + policy.spec());
        }
        this.policy = policy;
        this.layers = shape.layers();
        this.kvLength = shape.kvLength();
        this.kvHeads = shape.kvHeads();
        this.headDim = shape.headDim();
        this.sinks = policy.sinkTokens();
        this.window = policy.windowTokens();
        this.ringStart = sinks + policy.keptTokens();
        if (policy.selectsByAttention() && evictChunk != 1) {
            throw new InvalidSettingException("cache policy " + policy.spec() + " evicts in its own rounds; the eviction"
                    + " chunk must be 1, got " + evictChunk);
        }
        this.evictChunk = evictChunk;
        this.maxBatch = maxBatch;
        this.plan = new BatchPlan(maxBatch);
        this.copyRow = ByteBuffer.allocate(KvStore.create(type, kvHeads, headDim, 0).bytesPerSlot());
        this.type = type;
        this.bytesPerToken = (long) layers * KvStore.create(type, kvHeads, headDim, 0).bytesPerSlot();
        boolean unbounded = window == CachePolicy.UNBOUNDED;
        int slots = unbounded ? INITIAL_UNBOUNDED_SLOTS : window + maxBatch;
        checkMemory((long) ringStart + slots);
        this.ringCapacity = slots;
        this.retrieval = policy instanceof DuoPolicy duo ? new RetrievalStores(checkedSplit(duo, shape), type, headDim) : null;
        this.stores = new KvStore[layers];
        for (int l = 0; l < layers; l++) {
            int heads = retrieval == null ? kvHeads : retrieval.streamingHeads(l);
            stores[l] = KvStore.create(type, heads, headDim, ringStart + slots);
        }
        this.windowStart = sinks;
        this.selection = policy.selectsByAttention() ? new AttentionSelection(policy, ringStart + slots) : null;
    }

    private static HeadSplit checkedSplit(DuoPolicy duo, KvShape shape) {
        HeadSplit split = duo.split();
        if (split == null) {
            throw new InvalidSettingException("cache policy " + duo.spec() + " needs the model's retrieval heads"
                    + " (its duo calibration)");
        }
        if (split.layers() != shape.layers() || split.kvHeads() != shape.kvHeads()) {
            throw new InvalidSettingException("the duo calibration is of " + split.layers() + " layers x " + split.kvHeads()
                    + " KV heads, but the model has " + shape.layers() + " x " + shape.kvHeads());
        }
        return split;
    }

    private void checkMemory(long slots) {
        long perLayerElements = (slots + KvKernels.SLOTS_PER_BLOCK) * kvLength;
        long bytes = slots * bytesPerToken;
        long available = freeHeap();
        if (perLayerElements > Integer.MAX_VALUE - 16 || bytes > available) {
            throw new CacheFullException(String.format(
                    "cache policy %s needs %,d MiB of KV cache for %,d tokens but only %,d MiB of heap are free;"
                            + " use a smaller cache or a larger heap", policy.spec(), bytes >> 20, slots, available >> 20));
        }
    }

    private static long freeHeap() {
        Runtime rt = Runtime.getRuntime();
        return rt.maxMemory() - (rt.totalMemory() - rt.freeMemory());
    }

    public CachePolicy policy() {
        return policy;
    }

    /** Tokens fed so far: the absolute position of the next token. */
    public long nextPosition() {
        return nextPosition;
    }

    /** Tokens evicted so far. */
    public long evictedTokens() {
        return evictedTokens;
    }

    /** Sink tokens currently held. */
    public int sinkCount() {
        return (int) Math.min(sinks, nextPosition);
    }

    /** Window tokens currently held. */
    public int windowCount() {
        return (int) Math.max(0, nextPosition - windowStart);
    }

    /** Tokens kept by the attention they received (0 unless the policy selects by attention). */
    public int keptCount() {
        return selection == null ? 0 : selection.count();
    }

    /** Tokens currently held (sinks, kept and window). */
    public int size() {
        return sinkCount() + keptCount() + windowCount();
    }

    /** Absolute position of the oldest window token kept. */
    public long windowStart() {
        return windowStart;
    }

    public int kvLength() {
        return kvLength;
    }

    /** How keys and values are stored. */
    public KvType type() {
        return type;
    }

    /** Bytes allocated for keys and values. */
    public long allocatedBytes() {
        long bytes = retrieval == null ? 0 : retrieval.allocatedBytes();
        for (KvStore store : stores) {
            bytes += store.allocatedBytes();
        }
        return bytes;
    }

    /** Bytes of keys and values one token takes, all layers together. */
    public long bytesPerToken() {
        return bytesPerToken;
    }

    /** The keys and values of one layer, by slot (under a duo policy: of its streaming heads). */
    public KvStore layer(int layer) {
        return stores[layer];
    }

    /** Writes one token's key and value rows (all KV heads) from {@code k[offset..]} and {@code v[offset..]}. */
    public void write(int layer, int slot, long position, float[] k, float[] v, int offset) {
        if (retrieval == null) {
            stores[layer].store(slot, k, v, offset);
        } else {
            retrieval.write(layer, stores[layer], slot, position, k, v, offset);
        }
    }

    /** Whether a KV head keeps every token at its stream position (a duo policy's retrieval head). */
    public boolean isRetrievalHead(int layer, int kvHead) {
        return retrieval != null && retrieval.isRetrieval(layer, kvHead);
    }

    /** The index of a KV head in the store that holds it: {@link #layer}, or {@link #retrievalLayer} for a retrieval head. */
    public int indexInStore(int layer, int kvHead) {
        return retrieval == null ? kvHead : retrieval.indexInStore(layer, kvHead);
    }

    /** The retrieval heads' keys and values of one layer, at slot = stream position (null unless a duo policy). */
    public KvStore retrievalLayer(int layer) {
        return retrieval == null ? null : retrieval.layer(layer);
    }

    /** The slot of the token at absolute position {@code position}. */
    private int slot(long position) {
        if (position < sinks) {
            return (int) position;
        }
        return ringStart + (int) ((position - sinks) % ringCapacity);
    }

    /**
     * The most tokens the next batch may hold. A policy that selects by attention decides at the end of the
     * token that fills its window, with the attention of every query before: that token must end its batch.
     */
    public int batchLimit() {
        if (selection == null) {
            return Integer.MAX_VALUE;
        }
        long sinksLeft = Math.max(0, sinks - nextPosition);
        return (int) Math.min(Integer.MAX_VALUE, sinksLeft + selection.tokensToNextEvent(windowCount()));
    }

    /**
     * Prepares the cache for a batch of {@code count} new tokens at positions
     * nextPosition .. nextPosition+count-1: makes room in the ring and works out what each
     * token of the batch sees. The forward pass then writes the batch's keys and values at the plan's slots.
     */
    public BatchPlan beginBatch(int count) {
        if (count < 1 || count > Math.min(maxBatch, batchLimit())) {
            throw new IllegalArgumentException("batch of " + count + " tokens; this cache takes 1.."
                    + Math.min(maxBatch, batchLimit()) + " now");
        }
        if (retrieval != null) {
            retrieval.ensureSlots(nextPosition + count, freeHeap());
        }
        if (window == CachePolicy.UNBOUNDED) {
            long needed = nextPosition + count - sinks;
            if (needed > ringCapacity) {
                grow((int) Math.min(Integer.MAX_VALUE - 16, Math.max(needed, 2L * ringCapacity)));
            }
        }
        plan.begin(count, ringStart, ringStart + ringCapacity, retrieval != null && retrieval.split().retrievalHeads() > 0);
        int kept = keptCount();
        if (selection != null) {
            plan.kept(selection);
        }
        long start = windowStart;
        for (int i = 0; i < count; i++) {
            long position = nextPosition + i;
            long visibleStart = Math.max(start, sinks);
            int windowKeys = (int) Math.max(0, position - visibleStart + 1);
            long cachePosition = position < sinks ? position : sinks + kept + (position - visibleStart);
            plan.set(i, position, cachePosition, slot(position), (int) Math.min(sinks, position + 1), windowKeys,
                    slot(visibleStart));
            if (selection != null) {
                selection.clearReceived(slot(position));
            }
            start = trimmedWindowStart(start, position + 1);
        }
        return plan;
    }

    /** Records that the batch begun by {@link #beginBatch} has been written, and evicts what the policy drops. */
    public void endBatch(int count) {
        long newEnd = nextPosition + count;
        long start = windowStart;
        for (long position = nextPosition; position < newEnd; position++) {
            start = trimmedWindowStart(start, position + 1);
        }
        evictedTokens += start - windowStart;
        windowStart = start;
        nextPosition = newEnd;
        if (selection != null) {
            selectIfDue();
        }
    }

    /**
     * The selection round of a policy that keeps tokens by attention: when the window overflows, its oldest
     * tokens and the kept ones compete for the kept places; the winners leaving the window move to kept slots.
     */
    private void selectIfDue() {
        int windowTokens = windowCount();
        if (windowTokens > window) {
            int leaving = policy.roundTokens();
            int evicted = selection.round(windowStart, leaving, slotOf, slotMover);
            windowStart += leaving;
            evictedTokens += evicted;
            windowTokens -= leaving;
        }
        selection.afterToken(windowTokens);
    }

    /** Copies a token's keys and values, all layers, from one slot to another. */
    private void moveToSlot(int from, int to) {
        for (KvStore store : stores) {
            copyRow.clear();
            store.encode(from, copyRow);
            copyRow.flip();
            store.decode(to, copyRow);
        }
    }

    /** Where the window starts once the tokens before {@code end} are in, given that it started at {@code start}. */
    private long trimmedWindowStart(long start, long end) {
        if (window == CachePolicy.UNBOUNDED || selection != null || end - start <= window) {
            return start;
        }
        long next = start + evictChunk;
        return Math.max(next, end - window);
    }

    /**
     * Evicts the oldest window tokens so that {@code tokens} more fit without evicting ("evict for
     * space" before a chat turn). A request larger than the window empties the window.
     */
    public void makeRoom(int tokens) {
        if (window == CachePolicy.UNBOUNDED || selection != null) {
            return; // a policy that selects by attention decides which tokens leave, not the chat's turns
        }
        long keep = Math.max(0, window - (long) tokens);
        long start = Math.max(windowStart, nextPosition - keep);
        if (start > windowStart) {
            evictedTokens += start - windowStart;
            windowStart = start;
        }
    }

    /**
     * Continues the stream as if it had already run to {@code position}: the window is emptied and
     * the sinks kept. Used to test and measure streams of billions of positions without feeding them.
     */
    public void fastForward(long position) {
        if (position < nextPosition || position < sinks) {
            throw new IllegalArgumentException("cannot fast-forward from " + nextPosition + " to " + position);
        }
        if (window == CachePolicy.UNBOUNDED || (retrieval != null && retrieval.split().retrievalHeads() > 0)) {
            throw new IllegalStateException(policy.spec() + " keeps every token; it cannot skip positions");
        }
        evictedTokens += Math.max(0, nextPosition - Math.max(windowStart, sinks)) + keptCount();
        nextPosition = position;
        windowStart = position;
        if (selection != null) {
            selection.clear();
        }
    }

    /**
     * Forgets the tokens from {@code position} on, so that the stream continues from there (a chat
     * whose last turn is re-sent in another tokenization). Possible only while those tokens are still
     * in the window and are not sinks; returns false, changing nothing, otherwise.
     */
    public boolean rollbackTo(long position) {
        if (selection != null && position != nextPosition) {
            return false; // the attention the forgotten tokens gave cannot be taken back from the kept tokens' sums
        }
        if (position > nextPosition || position < windowStart || position < sinks) {
            return position == nextPosition;
        }
        nextPosition = position;
        return true;
    }

    /** Forgets everything: the next token is position 0 again. */
    public void clear() {
        nextPosition = 0;
        windowStart = sinks;
        evictedTokens = 0;
        if (selection != null) {
            selection.clear();
        }
    }

    private static final int SNAPSHOT_MAGIC = 0x534c4b56; // "SLKV"
    /**
     * Version 1: f32 rows only. Version 2 adds the KV type; rows are in that type's encoding ({@link KvStore#encode}).
     * A policy that selects by attention adds the kept tokens' positions before the rows and the attention every
     * held token has received after them.
     */
    private static final int SNAPSHOT_VERSION = 2;

    /** Writes the held keys and values, their type and the positions, so that {@link #readFrom} can resume the stream. */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeInt(SNAPSHOT_MAGIC);
        out.writeInt(SNAPSHOT_VERSION);
        out.writeUTF(policy.spec());
        out.writeUTF(type.label());
        out.writeInt(layers);
        out.writeInt(kvLength);
        out.writeLong(nextPosition);
        out.writeLong(windowStart);
        out.writeLong(evictedTokens);
        if (selection != null) {
            selection.writePositions(out);
        }
        int[] held = heldSlots();
        for (KvStore store : stores) {
            ByteBuffer row = ByteBuffer.allocate(store.bytesPerSlot());
            for (int slot : held) {
                row.clear();
                store.encode(slot, row);
                out.write(row.array());
            }
        }
        if (selection != null) {
            selection.writeReceived(out, held);
        }
        if (retrieval != null) {
            retrieval.writeTo(out, nextPosition);
        }
    }

    /**
     * Restores what {@link #writeTo} wrote; the cache must have the same policy and model shape. A snapshot
     * of another KV type (version-1 snapshots are f32) is converted: its rows are read as floats and
     * stored in this cache's type, so restoring f32 into q8_0 rounds as feeding the tokens would have.
     */
    public void readFrom(DataInputStream in) throws IOException {
        int version = in.readInt() == SNAPSHOT_MAGIC ? in.readInt() : -1;
        if (version != 1 && version != SNAPSHOT_VERSION) {
            throw new IOException("not a KV cache snapshot of version 1 or " + SNAPSHOT_VERSION);
        }
        String spec = in.readUTF();
        KvType snapshotType = KvType.F32;
        if (version >= 2) {
            try {
                snapshotType = KvType.parse(in.readUTF());
            } catch (StreamllmException unknown) {
                throw new IOException("corrupt KV cache snapshot: " + unknown.getMessage(), unknown);
            }
        }
        int snapshotLayers = in.readInt();
        int snapshotKvLength = in.readInt();
        if (!spec.equals(policy.spec()) || snapshotLayers != layers || snapshotKvLength != kvLength) {
            throw new IOException("the snapshot is of cache " + spec + " with " + snapshotLayers + "x" + snapshotKvLength
                    + " rows, not " + policy.spec() + " with " + layers + "x" + kvLength);
        }
        // Rows of another type go through a one-slot store of that type (created before anything changes: q8_0 may refuse the shape).
        KvStore converter;
        try {
            if (snapshotType != type && retrieval != null) {
                throw new IOException("a duo snapshot restores into its own KV type only (" + snapshotType + ", not " + type + ")");
            }
            converter = snapshotType == type ? null : KvStore.create(snapshotType, kvHeads, headDim, 1);
        } catch (StreamllmException unsupported) {
            throw new IOException("cannot restore a " + snapshotType + " KV snapshot: " + unsupported.getMessage(), unsupported);
        }
        long next = in.readLong();
        long start = in.readLong();
        long evicted = in.readLong();
        // A dense cache never evicts, so its window starts at the sinks; a bounded one holds at most its window.
        boolean positionsFit = window == CachePolicy.UNBOUNDED ? start == sinks : next - start <= window;
        if (next < 0 || start < sinks || start > Math.max(next, sinks) || evicted < 0 || !positionsFit) {
            throw new IOException("corrupt KV cache snapshot (positions " + start + ".." + next + ", " + evicted + " evicted)");
        }
        int kept = 0;
        if (selection != null) {
            kept = selection.readPositions(in, sinks, start);
        }
        // Before allocating: the rows the positions claim must be in the snapshot, when the stream knows how much is left.
        long held = Math.min(sinks, next) + kept + Math.max(0, next - start);
        long allRowBytes = 0;
        for (KvStore store : stores) {
            allRowBytes += converter != null ? converter.bytesPerSlot() : store.bytesPerSlot();
        }
        int available = in.available();
        if (held > Integer.MAX_VALUE - 16 || (available > 0 && available < Integer.MAX_VALUE && held > available / allRowBytes)) {
            throw new IOException("corrupt KV cache snapshot: " + held + " cached tokens of " + allRowBytes
                    + " bytes each, but only " + available + " bytes follow");
        }
        if (window == CachePolicy.UNBOUNDED && next - sinks > ringCapacity) {
            try {
                grow((int) (next - sinks));
            } catch (StreamllmException tooLarge) {
                throw new IOException(tooLarge.getMessage(), tooLarge);
            }
        }
        nextPosition = next;
        windowStart = start;
        evictedTokens = evicted;
        float[] k = new float[kvLength];
        float[] v = new float[kvLength];
        int[] heldSlots = heldSlots();
        for (KvStore store : stores) {
            ByteBuffer row = ByteBuffer.allocate((converter != null ? converter : store).bytesPerSlot());
            for (int slot : heldSlots) {
                in.readFully(row.array());
                row.clear();
                if (converter == null) {
                    store.decode(slot, row);
                } else {
                    converter.decode(0, row);
                    converter.load(0, k, v, 0);
                    store.store(slot, k, v, 0);
                }
            }
        }
        if (selection != null) {
            selection.readReceived(in, heldSlots);
        }
        if (retrieval != null) {
            try {
                retrieval.ensureSlots(next, freeHeap());
            } catch (StreamllmException tooLarge) {
                throw new IOException(tooLarge.getMessage(), tooLarge);
            }
            retrieval.readFrom(in, next);
        }
    }

    /** Slots of the tokens held in stream order: the sinks, the tokens kept by attention, then the window. */
    private int[] heldSlots() {
        int[] slots = new int[size()];
        int i = 0;
        for (long p = 0; p < sinkCount(); p++) {
            slots[i++] = slot(p);
        }
        for (int r = 0; r < keptCount(); r++) {
            slots[i++] = selection.slots()[r];
        }
        for (long p = Math.max(windowStart, sinks); p < nextPosition; p++) {
            slots[i++] = slot(p);
        }
        return slots;
    }

    /** Enlarges the ring (dense caches only: nothing is evicted, so slots keep their indices). */
    private void grow(int slots) {
        checkMemory((long) sinks + slots);
        for (int l = 0; l < layers; l++) {
            stores[l] = stores[l].grownTo(sinks + slots);
        }
        ringCapacity = slots;
    }
}
