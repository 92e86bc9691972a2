package io.streamllm.model.blocks;

/** The nonlinearity of a feed-forward block. */
public enum Activation {
    /** x * sigmoid(x): Llama, Qwen, Mistral, Phi-3. */
    SILU {
        @Override
        float apply(float x) {
            return x / (1f + (float) Math.exp(-x));
        }
    };

    abstract float apply(float x);
}
