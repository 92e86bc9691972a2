package io.streamllm.api;

import java.util.Arrays;

/**
 * The attention one query gave the keys it saw, in one head of one layer: one weight per key, with the key's
 * position in the stream. Keys come sinks first, then the window oldest first. The weights sum to 1, less the
 * share a learned sink logit takes (gpt-oss) where the model has one. Immutable.
 */
public final class AttentionWeights {
    private final int layer;
    private final int head;
    private final long queryPosition;
    private final long[] keyPositions;
    private final float[] weights;

    /**
     * One query's weights.
     *
     * @param layer         the layer, from 0
     * @param head          the query head, from 0
     * @param queryPosition the query token's position in the stream
     * @param keyPositions  the stream position of each key seen (copied)
     * @param weights       the weight of each key (copied), as many as {@code keyPositions}
     * @throws IllegalArgumentException when the two arrays differ in length
     */
    public AttentionWeights(int layer, int head, long queryPosition, long[] keyPositions, float[] weights) {
        if (keyPositions.length != weights.length) {
            throw new IllegalArgumentException(keyPositions.length + " key positions for " + weights.length + " weights");
        }
        this.layer = layer;
        this.head = head;
        this.queryPosition = queryPosition;
        this.keyPositions = keyPositions.clone();
        this.weights = weights.clone();
    }

    /** {@return the layer, from 0} */
    public int layer() {
        return layer;
    }

    /** {@return the query head, from 0} */
    public int head() {
        return head;
    }

    /** {@return the query token's position in the stream} */
    public long queryPosition() {
        return queryPosition;
    }

    /** {@return how many keys the query saw} */
    public int keyCount() {
        return weights.length;
    }

    /**
     * The stream position of a key.
     *
     * @param key the key's index, 0 to {@link #keyCount()} - 1
     * @return its position in the stream
     */
    public long keyPosition(int key) {
        return keyPositions[key];
    }

    /**
     * The weight of a key.
     *
     * @param key the key's index, 0 to {@link #keyCount()} - 1
     * @return its softmax weight
     */
    public float weight(int key) {
        return weights[key];
    }

    /** {@return the stream positions of the keys, sinks first (a copy)} */
    public long[] keyPositions() {
        return keyPositions.clone();
    }

    /** {@return the weights of the keys, in the order of {@link #keyPositions()} (a copy)} */
    public float[] weights() {
        return weights.clone();
    }

    @Override
    public String toString() {
        return "AttentionWeights[layer=" + layer + ", head=" + head + ", query=" + queryPosition + ", keys="
                + Arrays.toString(keyPositions) + "]";
    }
}
