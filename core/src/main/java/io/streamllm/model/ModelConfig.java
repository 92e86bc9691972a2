package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.kv.KvShape;

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
 * @param norm               which normalization, and its epsilon
 * @param attention          attention options: scale, soft-capping, sliding window
 * @param position           RoPE or ALiBi
 * @param layout             embedding scale, final soft-capping, parallel residual
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
        NormSpec norm,
        AttentionSpec attention,
        PositionSpec position,
        LayoutSpec layout) {

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

    /** The same network with other attention options. */
    public ModelConfig with(AttentionSpec newAttention) {
        return new ModelConfig(architecture, embeddingLength, blockCount, headCount, headCountKv, headDim,
                feedForwardLength, vocabularySize, contextLength, norm, newAttention, position, layout);
    }

    /** The same network with another layout around its layers. */
    public ModelConfig with(LayoutSpec newLayout) {
        return new ModelConfig(architecture, embeddingLength, blockCount, headCount, headCountKv, headDim,
                feedForwardLength, vocabularySize, contextLength, norm, attention, position, newLayout);
    }

    /** The same network with other positions. */
    public ModelConfig with(PositionSpec newPosition) {
        return new ModelConfig(architecture, embeddingLength, blockCount, headCount, headCountKv, headDim,
                feedForwardLength, vocabularySize, contextLength, norm, attention, newPosition, layout);
    }

    /** The same network with another normalization. */
    public ModelConfig with(NormSpec newNorm) {
        return new ModelConfig(architecture, embeddingLength, blockCount, headCount, headCountKv, headDim,
                feedForwardLength, vocabularySize, contextLength, newNorm, attention, position, layout);
    }

    /** Rotary embedding settings, or null when the network has no RoPE. */
    public RopeConfig rope() {
        return position.rope();
    }

    public float normEpsilon() {
        return norm.epsilon();
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

    /** What a KV cache holds per token for this network. */
    public KvShape kvShape() {
        return new KvShape(blockCount, headCountKv, headDim);
    }

    /** Bytes of KV cache per token, across all layers (keys and values, float32). */
    public long kvBytesPerToken() {
        return 2L * blockCount * kvLength() * Float.BYTES;
    }
}
