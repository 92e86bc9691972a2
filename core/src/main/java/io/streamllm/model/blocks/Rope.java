package io.streamllm.model.blocks;

import io.streamllm.model.RopeConfig;
import io.streamllm.model.RopeStyle;

/**
 * Applies rotary position embeddings. Angles are computed in double precision from the absolute
 * position, so that a stream millions of tokens long rotates as exactly as its first tokens do
 * (a float32 angle would lose all precision past position ~10^6).
 */
public final class Rope {
    private final RopeStyle style;
    private final double[] frequencies;
    private final int headDim;

    public Rope(RopeConfig config, int headDim) {
        if (config.dimensions() > headDim) {
            throw new IllegalArgumentException("RoPE rotates " + config.dimensions() + " dimensions but heads have " + headDim);
        }
        this.style = config.style();
        this.frequencies = config.frequencies();
        this.headDim = headDim;
    }

    public int pairs() {
        return frequencies.length;
    }

    /** Fills {@code cos, sin} at {@code [offset, offset + pairs)} with the angles of every pair at {@code position}. */
    public void angles(long position, float[] cos, float[] sin, int offset) {
        for (int i = 0; i < frequencies.length; i++) {
            double angle = position * frequencies[i];
            cos[offset + i] = (float) Math.cos(angle);
            sin[offset + i] = (float) Math.sin(angle);
        }
    }

    /**
     * Rotates {@code heads} consecutive heads of {@code vector} starting at {@code offset}, by the
     * angles at {@code cos/sin[angleOffset ..]}.
     */
    public void rotate(float[] vector, int offset, int heads, float[] cos, float[] sin, int angleOffset) {
        int pairs = frequencies.length;
        for (int h = 0; h < heads; h++) {
            int base = offset + h * headDim;
            for (int i = 0; i < pairs; i++) {
                int a = style == RopeStyle.ADJACENT_PAIRS ? base + 2 * i : base + i;
                int b = style == RopeStyle.ADJACENT_PAIRS ? a + 1 : a + pairs;
                float c = cos[angleOffset + i];
                float s = sin[angleOffset + i];
                float x0 = vector[a];
                float x1 = vector[b];
                vector[a] = x0 * c - x1 * s;
                vector[b] = x0 * s + x1 * c;
            }
        }
    }
}
