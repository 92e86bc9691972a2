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
            return Gelu.EXACT.apply(x);
        }
    },
    /** The same GELU through ggml-cpu's fp16 table, as stock llama.cpp computes it (GPT-NeoX, Falcon, MPT). */
    GELU_GGML_TABLE {
        @Override
        float apply(float x) {
            return Gelu.GGML_FP16_TABLE.apply(x);
        }
    };

    abstract float apply(float x);
}
