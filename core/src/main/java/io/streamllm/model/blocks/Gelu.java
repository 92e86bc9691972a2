package io.streamllm.model.blocks;

/**
 * The tanh approximation of GELU, {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, which llama.cpp uses
 * for GPT-NeoX, Falcon, MPT and Gemma, in two flavours: the float32 formula, and stock ggml-cpu's fp16 lookup
 * table. The table is what reproduces llama.cpp's logits: its rounding of every activation to fp16 moves them by
 * up to 1e-3, more than any other difference between two correct implementations.
 */
public enum Gelu {
    /** {@code gelu(x)} evaluated in float32, as ggml-cpu does when built without {@code GGML_GELU_FP16}. */
    EXACT {
        @Override
        public float apply(float x) {
            return formula(x);
        }
    },

    /**
     * ggml-cpu's stock GELU: 0 at or below -10, x at or above 10, otherwise x rounded to fp16 (to nearest even)
     * indexes a table that holds, for every fp16 value h, {@code fp16(gelu(h))}.
     */
    GGML_FP16_TABLE {
        @Override
        public float apply(float x) {
            if (x <= -10f) {
                return 0f;
            }
            if (x >= 10f) {
                return x;
            }
            return Table.VALUES[Float.floatToFloat16(x) & 0xffff];
        }
    };

    private static final float SQRT_2_OVER_PI = 0.79788456080286535587989211986876f;
    private static final float COEFFICIENT = 0.044715f;

    public abstract float apply(float x);

    /** ggml's {@code ggml_gelu_f32}, float operations in its order. */
    static float formula(float x) {
        float inner = SQRT_2_OVER_PI * x * (1f + COEFFICIENT * x * x);
        return 0.5f * x * (1f + (float) Math.tanh(inner));
    }

    /** Built on first use of the table flavour: 65536 entries, one per fp16 bit pattern. */
    private static final class Table {
        static final float[] VALUES = new float[1 << 16];

        static {
            for (int bits = 0; bits < VALUES.length; bits++) {
                float input = Float.float16ToFloat((short) bits);
                VALUES[bits] = Float.float16ToFloat(Float.floatToFloat16(formula(input)));
            }
        }
    }
}
