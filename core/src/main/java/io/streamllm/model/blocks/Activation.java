package io.streamllm.model.blocks;

/** The nonlinearity of a feed-forward block. */
public enum Activation {
    /** x * sigmoid(x): Llama, Qwen, Mistral, Phi-3. */
    SILU {
        @Override
        float apply(float x) {
            return x / (1f + (float) Math.exp(-x));
        }
    },
    /** GELU, tanh approximation (Gemma 2's gelu_pytorch_tanh), computed exactly rather than from ggml's fp16 table. */
    GELU_TANH {
        @Override
        float apply(float x) {
            return 0.5f * x * (1f + (float) Math.tanh(SQRT_2_OVER_PI * x * (1f + 0.044715f * x * x)));
        }
    };

    private static final float SQRT_2_OVER_PI = 0.7978845608f;

    abstract float apply(float x);
}
