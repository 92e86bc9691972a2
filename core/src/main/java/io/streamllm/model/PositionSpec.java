package io.streamllm.model;

/**
 * How a network tells positions apart: rotary embeddings, ALiBi biases, or both absent.
 *
 * @param rope         rotary embedding settings, or null for none
 * @param alibiMaxBias when positive, ALiBi with this maximum bias (MPT); 0 for none
 */
public record PositionSpec(RopeConfig rope, float alibiMaxBias) {

    public static PositionSpec rope(RopeConfig rope) {
        return new PositionSpec(rope, 0);
    }

    public static PositionSpec alibi(float maxBias) {
        return new PositionSpec(null, maxBias);
    }

    /** Pairs of dimensions RoPE rotates (0 without RoPE). */
    public int ropePairs() {
        return rope == null ? 0 : rope.dimensions() / 2;
    }
}
