package io.streamllm.structured;

import java.util.HashMap;
import java.util.Map;

/**
 * Follows one generation under a {@link Grammar}: which tokens may come next, and the parse state as tokens are
 * accepted. The allowed set of a parse state is computed once (walking the {@link TokenTrie}) and cached for the
 * rest of the generation, since the same states recur (inside a string, between array items).
 *
 * <p>Budget: when few tokens remain, only tokens after which the document can still be completed in the tokens
 * left are allowed (counting one token per byte of the shortest completion, which every vocabulary with byte
 * tokens can spell). If even that is impossible the plain mask is used and the text is cut at the budget.
 *
 * <p>Not thread-safe: one per generation.
 */
public final class ConstrainedDecoder {
    /** The masks kept: at most this many bytes of bitsets (then the cache starts again). */
    private static final long CACHE_BYTES = 32L << 20;

    private final TokenTrie trie;
    private final int[] endTokens;
    private final int words;
    private final int cacheLimit;
    private final Map<Frame, Entry> cache = new HashMap<>();
    private final Frame[] stack;
    private Frame state;
    private final Frame cacheRoot;
    private boolean stripLeadingSpace;
    private boolean ended;

    /**
     * A state's allowed tokens. {@code current} is the state's shortest completion; the "risky" tokens are those after
     * which the shortest completion is longer (closing a string and opening the next property, say): with a budget
     * of at least {@code current + 1} tokens only they can need filtering, so a tight budget costs a pass over them.
     */
    private record Entry(long[] mask, int current, int[] riskyIds, int[] riskyMinAfter, int maxMinAfter, boolean anyText) {
    }

    /** Collects the risky tokens of a state while its mask is computed. */
    private static final class Risky {
        int[] ids = new int[16];
        int[] minAfter = new int[16];
        int count;
        int max;

        void add(int id, int min) {
            if (count == ids.length) {
                ids = java.util.Arrays.copyOf(ids, count * 2);
                minAfter = java.util.Arrays.copyOf(minAfter, count * 2);
            }
            ids[count] = id;
            minAfter[count++] = min;
            max = Math.max(max, min);
        }
    }

    /**
     * @param stripLeadingSpace whether the text decoder drops one leading space of the first token (a
     *                          SentencePiece tokenizer starting a text): the grammar then sees the bytes without it
     */
    public ConstrainedDecoder(Grammar grammar, TokenTrie trie, int[] endTokens, boolean stripLeadingSpace) {
        this.trie = trie;
        this.endTokens = endTokens.clone();
        this.words = (trie.vocabularySize + 63) >>> 6;
        this.cacheLimit = (int) Math.max(16, CACHE_BYTES / (8L * words));
        this.stack = new Frame[trie.maxDepth + 1];
        this.state = grammar.start();
        this.cacheRoot = state;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** Starts a new document under the same grammar, keeping the masks computed so far (benchmarks, retries). */
    public void restart() {
        state = cacheRoot;
        ended = false;
        stripLeadingSpace = false;
    }

    /** Whether the text so far is a complete document. */
    public boolean complete() {
        return !ended && Parse.complete(state);
    }

    /** Whether the document is complete and nothing may follow it: generation ends here. */
    public boolean finished() {
        return ended || complete() && !entry().anyText;
    }

    /**
     * The tokens allowed next, as a bitset over the vocabulary (end tokens only where the document is complete).
     *
     * @param remaining tokens the budget still allows, this one included; negative for no limit
     */
    public long[] allowed(int remaining) {
        if (stripLeadingSpace) {
            return firstWithStrippedSpace();
        }
        Entry entry = entry();
        if (remaining < 0 || entry.maxMinAfter <= remaining - 1) {
            return entry.mask;
        }
        if (entry.current <= remaining - 1) {
            long[] fitting = entry.mask.clone();
            for (int k = 0; k < entry.riskyIds.length; k++) {
                if (entry.riskyMinAfter[k] > remaining - 1) {
                    int id = entry.riskyIds[k];
                    fitting[id >>> 6] &= ~(1L << id);
                }
            }
            return fitting;
        }
        long[] fitting = new long[words];
        boolean any = false;
        for (int w = 0; w < words; w++) {
            for (long bits = entry.mask[w]; bits != 0; bits &= bits - 1) {
                int id = w << 6 | Long.numberOfTrailingZeros(bits);
                boolean fits;
                if (trie.bytes[id].length == 0) {
                    fits = true; // an end token, allowed only when complete
                } else {
                    Frame after = Parse.advance(state, trie.bytes[id], 0);
                    fits = after != null && Parse.minRemaining(after) <= remaining - 1;
                }
                if (fits) {
                    fitting[w] |= 1L << id;
                    any = true;
                }
            }
        }
        return any ? fitting : entry.mask;
    }

    /** Moves past {@code token}, which must have been allowed. */
    public void accept(int token) {
        byte[] b = trie.bytes[token];
        if (b.length == 0) {
            ended = true;
            return;
        }
        int from = stripLeadingSpace && b[0] == ' ' ? 1 : 0;
        stripLeadingSpace = false;
        Frame next = Parse.advance(state, b, from);
        if (next == null) {
            throw new IllegalStateException("token " + token + " does not continue the constrained output");
        }
        state = next;
    }

    /** Sets every logit outside {@code allowed} to minus infinity. */
    public static void apply(float[] logits, long[] allowed) {
        for (int w = 0; w < allowed.length; w++) {
            long bits = allowed[w];
            int base = w << 6;
            int limit = Math.min(64, logits.length - base);
            if (bits == -1L) {
                continue;
            }
            for (int i = 0; i < limit; i++) {
                if ((bits >>> i & 1) == 0) {
                    logits[base + i] = Float.NEGATIVE_INFINITY;
                }
            }
        }
    }

    private Entry entry() {
        Entry entry = cache.get(state);
        if (entry == null) {
            entry = compute(state);
            if (cache.size() >= cacheLimit) {
                cache.clear();
            }
            cache.put(state, entry);
        }
        return entry;
    }

    private Entry compute(Frame from) {
        long[] mask = new long[words];
        int current = Parse.minRemaining(from);
        Risky risky = new Risky();
        boolean anyText = false;
        if (from.node instanceof StringNode string && string.plainBody(from)) {
            // Inside a plain string: every plain token that fits the length bound, plus the others checked one by one.
            int left = string.charsLeft(from);
            for (int w = 0; w < words; w++) {
                long bits = trie.plain[w];
                if (left < trie.maxPlainChars) {
                    for (long b = bits; b != 0; b &= b - 1) {
                        int id = w << 6 | Long.numberOfTrailingZeros(b);
                        if (trie.plainChars[id] > left) {
                            bits &= ~(1L << id);
                        }
                    }
                }
                mask[w] = bits;
                anyText |= bits != 0;
            }
            // Plain text never lengthens the shortest completion: only the other tokens can be risky.
            for (int id : trie.notPlain) {
                Frame after = Parse.advance(from, trie.bytes[id], 0);
                if (after != null) {
                    mask[id >>> 6] |= 1L << id;
                    anyText = true;
                    int min = Parse.minRemaining(after);
                    if (min > current) {
                        risky.add(id, min);
                    }
                }
            }
        } else {
            stack[0] = from;
            int n = 0;
            while (n < trie.nodes) {
                int d = trie.depth[n];
                Frame after = Parse.advance(stack[d - 1], trie.label[n]);
                if (after == null) {
                    n = trie.end[n];
                    continue;
                }
                stack[d] = after;
                int first = trie.tokenStart[n];
                int last = trie.tokenStart[n + 1];
                if (first < last) {
                    anyText = true;
                    int min = Parse.minRemaining(after);
                    for (int k = first; k < last; k++) {
                        int id = trie.ids[k];
                        mask[id >>> 6] |= 1L << id;
                        if (min > current) {
                            risky.add(id, min);
                        }
                    }
                }
                n++;
            }
        }
        if (Parse.complete(from)) {
            for (int end : endTokens) {
                mask[end >>> 6] |= 1L << end;
            }
        }
        return new Entry(mask, current, java.util.Arrays.copyOf(risky.ids, risky.count),
                java.util.Arrays.copyOf(risky.minAfter, risky.count), Math.max(current, risky.max), anyText);
    }

    /** The first token when its leading space will be dropped: checked one by one (once per generation). */
    private long[] firstWithStrippedSpace() {
        long[] mask = new long[words];
        for (int id = 0; id < trie.vocabularySize; id++) {
            byte[] b = trie.bytes[id];
            int from = b.length > 0 && b[0] == ' ' ? 1 : 0;
            if (b.length > from && Parse.advance(state, b, from) != null) {
                mask[id >>> 6] |= 1L << id;
            }
        }
        return mask;
    }
}
