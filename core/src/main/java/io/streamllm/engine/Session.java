package io.streamllm.engine;

import io.streamllm.api.CacheStats;

import io.streamllm.kv.CachePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.api.KvType;
import io.streamllm.kv.WindowPolicy;
import io.streamllm.model.blocks.AttentionObserver;
import io.streamllm.model.blocks.ForwardState;
import io.streamllm.model.Transformer;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * One stream of tokens through a model under a cache policy: feed tokens, read next-token logits.
 * Long inputs are fed in chunks of at most {@code prefillChunk} tokens, so any length works.
 * Not thread-safe: one session per conversation.
 */
public final class Session {
    /** Default number of tokens run through the network together when prefilling. */
    public static final int DEFAULT_PREFILL_CHUNK = 64;

    private final Transformer network;
    private final CachePolicy policy;
    private final KvCache cache;
    private final ForwardState state;
    private final float[] logits;
    private final int prefillChunk;
    private final int evictChunk;
    private final KvType kvType;
    private final TokenWindow recent; // only for the recompute policy
    private final int[] windowTokens; // the recompute policy's window, re-encoded before each prediction
    private long tokensSeen;
    private boolean logitsCurrent; // false when the last token's logits were never computed or were overwritten
    private int fedNow; // the recompute policy: tokens of the feed in progress (to place its queries in the stream)
    private final int[] single = new int[1]; // so that decoding one token allocates nothing

    public Session(Transformer network, CachePolicy policy) {
        this(network, policy, DEFAULT_PREFILL_CHUNK, 1);
    }

    public Session(Transformer network, CachePolicy policy, int prefillChunk, int evictChunk) {
        this(network, policy, prefillChunk, evictChunk, KvType.F32);
    }

    /** A session whose KV cache stores keys and values as {@code kvType}. */
    public Session(Transformer network, CachePolicy policy, int prefillChunk, int evictChunk, KvType kvType) {
        if (prefillChunk < 1) {
            throw new IllegalArgumentException("prefill chunk must be at least 1, got " + prefillChunk);
        }
        this.network = network;
        this.policy = policy;
        this.prefillChunk = prefillChunk;
        this.evictChunk = evictChunk;
        this.kvType = kvType;
        // Recomputation re-encodes its window from an empty cache every time; the cache only needs that window.
        CachePolicy cachePolicy = policy.recomputes() ? new WindowPolicy(policy.windowTokens()) : policy;
        this.cache = new KvCache(network.config().kvShape(), cachePolicy, evictChunk, prefillChunk, kvType);
        this.state = network.newState(prefillChunk);
        this.logits = new float[network.config().vocabularySize()];
        this.recent = policy.recomputes() ? new TokenWindow(policy.windowTokens()) : null;
        this.windowTokens = policy.recomputes() ? new int[policy.windowTokens()] : null;
    }

    public CachePolicy policy() {
        return policy;
    }

    public Transformer network() {
        return network;
    }

    /** What the cache holds now (the cache itself is the session's: rollback and eviction go through it). */
    public CacheStats cacheStats() {
        return new CacheStats(cache.size(), cache.sinkCount(), cache.windowCount(), cache.windowStart(),
                cache.nextPosition(), cache.evictedTokens(), cache.allocatedBytes(), tokensSeen, cache.type(),
                cache.bytesPerToken());
    }

    /** Tokens fed so far. */
    public long tokensSeen() {
        return tokensSeen;
    }

    /**
     * Whether {@link #logits()} are those after the last token of the stream: false before the first token,
     * after a rollback, a restore or a fast-forward, until the next token is fed.
     */
    public boolean logitsCurrent() {
        return logitsCurrent;
    }

    /** The logits after the last token fed (valid until the next feed). */
    public float[] logits() {
        return logits;
    }

    /** Feeds one token and returns the logits for the next. */
    public float[] feed(int token) {
        single[0] = token;
        return feed(single, 0, 1);
    }

    public float[] feed(int[] tokens) {
        return feed(tokens, 0, tokens.length);
    }

    /** Feeds {@code count} tokens and returns the logits after the last of them. */
    public float[] feed(int[] tokens, int offset, int count) {
        if (count == 0) {
            return logits;
        }
        if (recent != null) {
            for (int i = 0; i < count; i++) {
                recent.add(tokens[offset + i]);
            }
            fedNow = count;
            recomputeWindow();
        } else {
            for (int done = 0; done < count; ) {
                int n = Math.min(Math.min(prefillChunk, count - done), cache.batchLimit());
                network.forward(tokens, offset + done, n, cache, state, logits, false);
                done += n;
            }
        }
        tokensSeen += count;
        logitsCurrent = true;
        return logits;
    }

    /** The recompute baseline: encode the last W tokens from scratch at positions 0..W-1. */
    private void recomputeWindow() {
        int length = recent.copyTo(windowTokens);
        cache.clear();
        for (int done = 0; done < length; ) {
            int n = Math.min(prefillChunk, length - done);
            network.forward(windowTokens, done, n, cache, state, logits, false);
            done += n;
        }
    }

    /**
     * Forgets the tokens from {@code position} on, when they are still held; returns false,
     * changing nothing, when they are not (evicted, or sinks).
     */
    public boolean rollbackTo(long position) {
        boolean done = recent != null ? recent.rollbackTo(position) : cache.rollbackTo(position);
        if (done && position != tokensSeen) {
            tokensSeen = position;
            logitsCurrent = false;
        }
        return done;
    }

    /**
     * Sends every attention weight of the following passes to {@code observer}, with stream positions; null
     * stops. Under recomputation the window is re-encoded at positions 0..W-1 before each prediction: only
     * the newly fed tokens' queries are passed on, their positions shifted back into the stream.
     */
    public void observeAttention(AttentionObserver observer) {
        if (observer == null || recent == null) {
            state.observeAttention(observer);
            return;
        }
        state.observeAttention((layer, head, queryPosition, weights, offset, keyPositions, keys) -> {
            long shift = tokensSeen + fedNow - recent.size();
            if (queryPosition + shift >= tokensSeen) {
                for (int j = 0; j < keys; j++) {
                    keyPositions[j] += shift;
                }
                observer.observe(layer, head, queryPosition + shift, weights, offset, keyPositions, keys);
                for (int j = 0; j < keys; j++) {
                    keyPositions[j] -= shift;
                }
            }
        });
    }

    /**
     * A copy of this stream that goes on independently: the same cache, positions and next-token logits (so that
     * it can generate at once when this one could). The cache is copied through its snapshot form.
     */
    public Session copy() {
        Session copy = new Session(network, policy, prefillChunk, evictChunk, kvType);
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                writeTo(out);
            }
            copy.readFrom(new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        } catch (IOException e) {
            throw new UncheckedIOException("copying a session in memory failed", e);
        }
        System.arraycopy(logits, 0, copy.logits, 0, logits.length);
        copy.logitsCurrent = logitsCurrent;
        return copy;
    }

    /** Starts over with an empty stream. */
    public void reset() {
        cache.clear();
        if (recent != null) {
            recent.clear();
        }
        tokensSeen = 0;
        logitsCurrent = false;
    }

    /** Writes the stream's state (cache, positions, recent tokens) for {@link #readFrom}. */
    public void writeTo(DataOutputStream out) throws IOException {
        out.writeUTF(policy.spec());
        out.writeLong(tokensSeen);
        if (recent != null) {
            recent.writeTo(out);
        }
        cache.writeTo(out);
    }

    /**
     * Restores a state written by {@link #writeTo} from a session of the same model and policy. A snapshot
     * of another KV type is converted to this session's (see {@link KvCache#readFrom}).
     */
    public void readFrom(DataInputStream in) throws IOException {
        String spec = in.readUTF();
        if (!spec.equals(policy.spec())) {
            throw new IOException("the snapshot is of a " + spec + " session, not " + policy.spec());
        }
        long seen = in.readLong();
        if (seen < 0) {
            throw new IOException("corrupt session snapshot: " + seen + " tokens seen");
        }
        if (recent != null) {
            recent.readFrom(in, network.config().vocabularySize());
        }
        cache.readFrom(in);
        tokensSeen = seen;
        logitsCurrent = false; // a snapshot holds the cache, not the logits
    }

    /**
     * Continues the stream as if it had already run to {@code position} (the window emptied, the sinks
     * kept), to test and measure streams of billions of positions without feeding them.
     */
    public void fastForward(long position) {
        if (recent != null) {
            throw new IllegalStateException(policy.spec() + " re-encodes its window; it cannot skip positions");
        }
        cache.fastForward(position);
        tokensSeen = position;
        logitsCurrent = false;
    }

    /** A token id read from a snapshot: a corrupt one must fail the restore, not the next forward pass. */
    static int checkedToken(int id, int vocabularySize) throws IOException {
        if (id < 0 || id >= vocabularySize) {
            throw new IOException("corrupt snapshot: token id " + id + " is outside the vocabulary (0.." + (vocabularySize - 1) + ")");
        }
        return id;
    }

    /** Evicts ahead so that {@code tokens} more fit without evicting (before a chat turn). */
    public void makeRoom(int tokens) {
        cache.makeRoom(tokens);
    }

    /** The last {@code capacity} tokens of the stream, for re-encoding. */
    private static final class TokenWindow {
        private final int[] ring;
        private long count;

        TokenWindow(int capacity) {
            ring = new int[capacity];
        }

        void add(int token) {
            ring[(int) (count++ % ring.length)] = token;
        }

        boolean rollbackTo(long position) {
            // Re-encoding needs the W tokens before the new end; once the ring wrapped, they are gone.
            if (position > count || (count > ring.length && position != count)) {
                return position == count;
            }
            count = position;
            return true;
        }

        void clear() {
            count = 0;
        }

        void writeTo(DataOutputStream out) throws IOException {
            out.writeLong(count);
            for (int token : ring) {
                out.writeInt(token);
            }
        }

        void readFrom(DataInputStream in, int vocabularySize) throws IOException {
            long restored = in.readLong();
            if (restored < 0) {
                throw new IOException("corrupt session snapshot: a window of " + restored + " tokens");
            }
            for (int i = 0; i < ring.length; i++) {
                // Slots not yet written hold 0, a valid id; anything else must be a token.
                ring[i] = checkedToken(in.readInt(), vocabularySize);
            }
            count = restored;
        }

        /** Tokens held. */
        int size() {
            return (int) Math.min(count, ring.length);
        }

        /** Copies the tokens held, oldest first, into {@code out}; returns how many. */
        int copyTo(int[] out) {
            int n = size();
            for (int i = 0; i < n; i++) {
                out[i] = ring[(int) ((count - n + i) % ring.length)];
            }
            return n;
        }
    }
}
