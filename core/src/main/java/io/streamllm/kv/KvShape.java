package io.streamllm.kv;

/**
 * What a KV cache holds per token: one key and one value row of {@code kvHeads * headDim} floats per layer.
 *
 * @param layers  transformer layers
 * @param kvHeads key/value heads
 * @param headDim width of one head
 */
public record KvShape(int layers, int kvHeads, int headDim) {

    /** Width of one cached key (or value) row: all KV heads together. */
    public int kvLength() {
        return kvHeads * headDim;
    }
}
