package io.streamllm.kv;

import java.util.Arrays;

/**
 * Which KV heads of each layer are retrieval heads (DuoAttention): chosen from per-head retrieval scores, the
 * attention a head gives beyond its sinks and its recent tokens, as {@code streamllm duo-calibrate} measures it.
 * The heads with the highest scores are retrieval heads, as many as the share asks (rounded); the earlier head
 * wins a tie.
 */
public final class HeadSplit {
    private final boolean[][] retrieval;

    private HeadSplit(boolean[][] retrieval) {
        this.retrieval = retrieval;
    }

    /** The {@code share} of heads with the highest {@code scores[layer][kvHead]}. */
    public static HeadSplit top(double[][] scores, double share) {
        int layers = scores.length;
        int heads = scores[0].length;
        Integer[] order = new Integer[layers * heads];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (a, b) -> Double.compare(scores[b / heads][b % heads], scores[a / heads][a % heads]));
        boolean[][] retrieval = new boolean[layers][heads];
        int chosen = (int) Math.round(share * order.length);
        for (int i = 0; i < chosen; i++) {
            retrieval[order[i] / heads][order[i] % heads] = true;
        }
        return new HeadSplit(retrieval);
    }

    /** A split given head by head. */
    public static HeadSplit of(boolean[][] retrieval) {
        boolean[][] copy = new boolean[retrieval.length][];
        for (int l = 0; l < retrieval.length; l++) {
            copy[l] = retrieval[l].clone();
        }
        return new HeadSplit(copy);
    }

    public int layers() {
        return retrieval.length;
    }

    public int kvHeads() {
        return retrieval[0].length;
    }

    public boolean isRetrieval(int layer, int kvHead) {
        return retrieval[layer][kvHead];
    }

    /** Retrieval heads in {@code layer}. */
    public int retrievalHeads(int layer) {
        int count = 0;
        for (boolean r : retrieval[layer]) {
            count += r ? 1 : 0;
        }
        return count;
    }

    /** Retrieval heads in all layers. */
    public int retrievalHeads() {
        int count = 0;
        for (int l = 0; l < retrieval.length; l++) {
            count += retrievalHeads(l);
        }
        return count;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof HeadSplit that && Arrays.deepEquals(retrieval, that.retrieval);
    }

    @Override
    public int hashCode() {
        return Arrays.deepHashCode(retrieval);
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder();
        for (boolean[] layer : retrieval) {
            for (boolean r : layer) {
                text.append(r ? 'R' : 's');
            }
            text.append(' ');
        }
        return text.toString().trim();
    }
}
