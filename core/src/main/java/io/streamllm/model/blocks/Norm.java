package io.streamllm.model.blocks;

/** A normalization layer over rows of its weight's width. */
public interface Norm {

    /** Normalizes {@code count} rows of {@code x} into {@code out} (which may be {@code x}). */
    void apply(float[] out, float[] x, int count);
}
