package io.streamllm.structured;

import io.streamllm.api.Tokenizer;

import java.util.Arrays;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * The vocabulary's decoded bytes as a trie stored in preorder, so that walking it from a parse state is a loop
 * over an array that skips a whole subtree ({@code end[node]}) as soon as its prefix is rejected.
 *
 * <p>Also the tokens that are "plain string text" (printable, no quote or backslash, whole UTF-8 characters):
 * inside an unconstrained string every one of them is allowed, so that case needs no walk at all.
 */
public final class TokenTrie {
    private static final Map<Tokenizer, TokenTrie> BUILT = new WeakHashMap<>();

    final int vocabularySize;
    final byte[][] bytes;
    final int nodes;
    final int[] depth;
    final int[] label;
    final int[] end;
    final int[] tokenStart; // tokens of node n: ids[tokenStart[n] .. tokenStart[n + 1])
    final int[] ids;
    final int maxDepth;
    final long[] plain;     // bitset of plain-text tokens
    final int[] plainChars; // code points of each plain token
    final int[] notPlain;   // tokens with bytes that are not plain
    final int maxPlainChars;

    /** {@return how many tokens the vocabulary has} */
    public int vocabularySize() {
        return vocabularySize;
    }

    /** {@return the decoded bytes of token {@code id}} (not a copy: do not modify) */
    public byte[] tokenBytes(int id) {
        return bytes[id];
    }

    /** The trie of {@code tokenizer}'s vocabulary, built once per tokenizer. */
    public static TokenTrie of(Tokenizer tokenizer) {
        synchronized (BUILT) {
            return BUILT.computeIfAbsent(tokenizer, t -> {
                byte[][] all = new byte[t.vocabularySize()][];
                for (int id = 0; id < all.length; id++) {
                    all[id] = t.decodeBytes(id);
                }
                return new TokenTrie(all);
            });
        }
    }

    /** A trie over the given bytes per token id (tokens without bytes are never allowed by a mask). */
    public TokenTrie(byte[][] tokenBytes) {
        vocabularySize = tokenBytes.length;
        bytes = tokenBytes;
        Integer[] order = new Integer[vocabularySize];
        int withText = 0;
        for (int id = 0; id < vocabularySize; id++) {
            if (tokenBytes[id].length > 0) {
                order[withText++] = id;
            }
        }
        Integer[] sorted = Arrays.copyOf(order, withText);
        Arrays.sort(sorted, (x, y) -> Arrays.compareUnsigned(tokenBytes[x], tokenBytes[y]));
        int capacity = 1;
        int longest = 0;
        for (Integer id : sorted) {
            capacity += tokenBytes[id].length;
            longest = Math.max(longest, tokenBytes[id].length);
        }
        int[] depthOf = new int[capacity];
        int[] labelOf = new int[capacity];
        int[] endOf = new int[capacity];
        int[] tokenNode = new int[withText];
        int[] path = new int[longest + 1]; // path[d]: the node at depth d on the current path
        int count = 0;
        byte[] previous = new byte[0];
        for (int k = 0; k < withText; k++) {
            byte[] b = tokenBytes[sorted[k]];
            int common = 0;
            while (common < previous.length && common < b.length && previous[common] == b[common]) {
                common++;
            }
            for (int d = previous.length; d > common; d--) { // leave the nodes not shared
                endOf[path[d]] = count;
            }
            for (int d = common + 1; d <= b.length; d++) {
                depthOf[count] = d;
                labelOf[count] = b[d - 1] & 0xFF;
                path[d] = count++;
            }
            tokenNode[k] = path[b.length];
            previous = b;
        }
        for (int d = previous.length; d >= 1; d--) {
            endOf[path[d]] = count;
        }
        nodes = count;
        depth = Arrays.copyOf(depthOf, count);
        label = Arrays.copyOf(labelOf, count);
        end = Arrays.copyOf(endOf, count);
        tokenStart = new int[count + 1];
        for (int k = 0; k < withText; k++) {
            tokenStart[tokenNode[k] + 1]++;
        }
        for (int n = 0; n < count; n++) {
            tokenStart[n + 1] += tokenStart[n];
        }
        ids = new int[withText];
        int[] fill = Arrays.copyOf(tokenStart, count);
        for (int k = 0; k < withText; k++) {
            ids[fill[tokenNode[k]]++] = sorted[k];
        }
        maxDepth = longest;

        plain = new long[(vocabularySize + 63) >>> 6];
        plainChars = new int[vocabularySize];
        int[] others = new int[withText];
        int otherCount = 0;
        int maxChars = 0;
        for (int k = 0; k < withText; k++) {
            int id = sorted[k];
            int chars = plainCodePoints(tokenBytes[id]);
            if (chars > 0) {
                plain[id >>> 6] |= 1L << id;
                plainChars[id] = chars;
                maxChars = Math.max(maxChars, chars);
            } else {
                others[otherCount++] = id;
            }
        }
        notPlain = Arrays.copyOf(others, otherCount);
        Arrays.sort(notPlain);
        maxPlainChars = maxChars;
    }

    /** The code points of {@code b} when it is plain string text (see the class comment), else -1. */
    private static int plainCodePoints(byte[] b) {
        Frame f = new StringNode(0, -1, null).start(null).with(1, 0); // inside a string
        for (byte value : b) {
            int c = value & 0xFF;
            if (c == '"' || c == '\\') {
                return -1;
            }
            f = Parse.advance(f, c);
            if (f == null) {
                return -1;
            }
        }
        if ((f.a >>> 2 & 3) != 0) {
            return -1; // ends inside a character
        }
        int chars = 0;
        for (byte value : b) {
            if ((value & 0xC0) != 0x80) {
                chars++;
            }
        }
        return chars;
    }
}
