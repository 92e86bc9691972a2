package io.streamllm.model;

import io.streamllm.ModelFormatException;

/**
 * The hyper-parameters of a transformer, read from the model file's metadata.
 *
 * @param architecture       the architecture name as the file gives it ("llama", "qwen2")
 * @param embeddingLength    width of the residual stream
 * @param blockCount         number of transformer layers
 * @param headCount          query heads
 * @param headCountKv        key/value heads (fewer than query heads for grouped-query attention)
 * @param headDim            width of one head
 * @param feedForwardLength  hidden width of the MLP
 * @param vocabularySize     number of tokens
 * @param contextLength      the context the model was trained on
 * @param normEpsilon        epsilon of RMSNorm
 * @param rope               rotary embedding settings
 */
public record ModelConfig(
        String architecture,
        int embeddingLength,
        int blockCount,
        int headCount,
        int headCountKv,
        int headDim,
        int feedForwardLength,
        int vocabularySize,
        int contextLength,
        float normEpsilon,
        RopeConfig rope) {

    public ModelConfig {
        requirePositive("embedding length", embeddingLength);
        requirePositive("block count", blockCount);
        requirePositive("head count", headCount);
        requirePositive("KV head count", headCountKv);
        requirePositive("head size", headDim);
        requirePositive("feed-forward length", feedForwardLength);
        requirePositive("vocabulary size", vocabularySize);
        requirePositive("context length", contextLength);
        if (headCount % headCountKv != 0) {
            throw new ModelFormatException(headCount + " query heads cannot be grouped over " + headCountKv + " KV heads");
        }
    }

    private static void requirePositive(String field, int value) {
        if (value <= 0) {
            throw new ModelFormatException("model configuration: " + field + " is " + value + ", it must be positive");
        }
    }

    /** Width of all query heads together. */
    public int queryLength() {
        return headCount * headDim;
    }

    /** Width of all key (or value) heads together: one cached row per layer and token. */
    public int kvLength() {
        return headCountKv * headDim;
    }

    /** Bytes of KV cache per token, across all layers (keys and values, float32). */
    public long kvBytesPerToken() {
        return 2L * blockCount * kvLength() * Float.BYTES;
    }
}
