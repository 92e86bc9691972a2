package io.streamllm.kv;

import io.streamllm.api.CacheFullException;
import io.streamllm.api.KvType;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * DuoAttention's split of a cache by KV head: the streaming heads of each layer in the cache's own (sink and
 * window) store, the retrieval heads in a store of their own that keeps every token at slot = stream position,
 * growing as a dense cache does. A token's key and value rows are split between the two as they are written.
 */
final class RetrievalStores {
    private static final int INITIAL_SLOTS = 256;

    private final HeadSplit split;
    private final int headDim;
    private final int[][] indexInStore; // per layer and KV head: its index in the streaming or the retrieval store
    private final KvStore[] stores;
    private final float[] streamingK;
    private final float[] streamingV;
    private final float[] retrievalK;
    private final float[] retrievalV;

    RetrievalStores(HeadSplit split, KvType type, int headDim) {
        this.split = split;
        this.headDim = headDim;
        int layers = split.layers();
        int kvHeads = split.kvHeads();
        this.indexInStore = new int[layers][kvHeads];
        this.stores = new KvStore[layers];
        for (int l = 0; l < layers; l++) {
            int streaming = 0;
            int retrieval = 0;
            for (int h = 0; h < kvHeads; h++) {
                indexInStore[l][h] = split.isRetrieval(l, h) ? retrieval++ : streaming++;
            }
            stores[l] = KvStore.create(type, retrieval, headDim, INITIAL_SLOTS);
        }
        this.streamingK = new float[kvHeads * headDim];
        this.streamingV = new float[kvHeads * headDim];
        this.retrievalK = new float[kvHeads * headDim];
        this.retrievalV = new float[kvHeads * headDim];
    }

    HeadSplit split() {
        return split;
    }

    /** KV heads of {@code layer} that the cache's own store holds. */
    int streamingHeads(int layer) {
        return split.kvHeads() - split.retrievalHeads(layer);
    }

    boolean isRetrieval(int layer, int kvHead) {
        return split.isRetrieval(layer, kvHead);
    }

    /** The index of a KV head in the store that holds it. */
    int indexInStore(int layer, int kvHead) {
        return indexInStore[layer][kvHead];
    }

    KvStore layer(int layer) {
        return stores[layer];
    }

    /** Writes one token: its streaming heads to {@code streaming} at {@code slot}, its retrieval heads at its position. */
    void write(int layer, KvStore streaming, int slot, long position, float[] k, float[] v, int offset) {
        int s = 0;
        int r = 0;
        for (int h = 0; h < split.kvHeads(); h++) {
            boolean retrieval = split.isRetrieval(layer, h);
            System.arraycopy(k, offset + h * headDim, retrieval ? retrievalK : streamingK, (retrieval ? r : s) * headDim, headDim);
            System.arraycopy(v, offset + h * headDim, retrieval ? retrievalV : streamingV, (retrieval ? r : s) * headDim, headDim);
            if (retrieval) {
                r++;
            } else {
                s++;
            }
        }
        streaming.store(slot, streamingK, streamingV, 0);
        stores[layer].store((int) position, retrievalK, retrievalV, 0);
    }

    /** Makes room for the tokens before {@code end}, doubling; {@code available} is the heap left. */
    void ensureSlots(long end, long available) {
        if (end <= stores[0].slots) {
            return;
        }
        long slots = Math.max(end, 2L * stores[0].slots);
        long bytes = 0;
        for (KvStore store : stores) {
            bytes += slots * store.bytesPerSlot();
        }
        if (slots > Integer.MAX_VALUE - 16 || bytes > available) {
            throw new CacheFullException(String.format("the retrieval heads of the duo cache need %,d MiB for %,d tokens"
                    + " but only %,d MiB of heap are free; use a smaller share of retrieval heads or a larger heap",
                    bytes >> 20, slots, available >> 20));
        }
        for (int l = 0; l < stores.length; l++) {
            stores[l] = stores[l].grownTo((int) slots);
        }
    }

    long allocatedBytes() {
        long bytes = 0;
        for (KvStore store : stores) {
            bytes += store.allocatedBytes();
        }
        return bytes;
    }

    /** The rows of the tokens before {@code end}, layer after layer, in the store's encoding. */
    void writeTo(DataOutputStream out, long end) throws IOException {
        for (KvStore store : stores) {
            ByteBuffer row = ByteBuffer.allocate(store.bytesPerSlot());
            for (int p = 0; p < end; p++) {
                row.clear();
                store.encode(p, row);
                out.write(row.array());
            }
        }
    }

    void readFrom(DataInputStream in, long end) throws IOException {
        for (KvStore store : stores) {
            ByteBuffer row = ByteBuffer.allocate(store.bytesPerSlot());
            for (int p = 0; p < end; p++) {
                in.readFully(row.array());
                row.clear();
                store.decode(p, row);
            }
        }
    }
}
