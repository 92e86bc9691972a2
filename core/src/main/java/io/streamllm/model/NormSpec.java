package io.streamllm.model;

/**
 * Which normalization a network uses.
 *
 * @param kind    RMSNorm (Llama family) or LayerNorm (GPT-NeoX, Falcon, MPT)
 * @param epsilon added to the variance before the square root
 * @param weightOffset added to every stored norm weight (Gemma's Hugging Face checkpoints store weight - 1)
 */
public record NormSpec(Kind kind, float epsilon, float weightOffset) {
    public enum Kind { RMS, LAYER }

    public NormSpec(Kind kind, float epsilon) {
        this(kind, epsilon, 0f);
    }

    public static NormSpec rms(float epsilon) {
        return new NormSpec(Kind.RMS, epsilon);
    }
}
