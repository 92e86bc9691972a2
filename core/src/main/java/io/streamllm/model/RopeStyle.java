package io.streamllm.model;

/** Which dimensions of a head RoPE rotates together. */
public enum RopeStyle {
    /** Pairs (2i, 2i+1): llama.cpp's NORM mode, llama2.c, GGUF "llama" (whose converters permute Q/K for it). */
    ADJACENT_PAIRS,
    /** Pairs (i, i + n/2): Hugging Face's rotate_half, llama.cpp's NEOX mode (Qwen2 and most HF checkpoints). */
    SPLIT_HALF
}
