package io.streamllm.model;

/**
 * Which normalization a network uses.
 *
 * @param kind    RMSNorm (Llama family) or LayerNorm (GPT-NeoX, Falcon, MPT)
 * @param epsilon added to the variance before the square root
 */
public record NormSpec(Kind kind, float epsilon) {
    public enum Kind { RMS, LAYER }

    public static NormSpec rms(float epsilon) {
        return new NormSpec(Kind.RMS, epsilon);
    }
}
