package io.streamllm.api;

/**
 * The weights of a loaded model, as a benchmark reports them (llama-bench's model size and parameters).
 *
 * @param bytes         bytes of every tensor as stored (quantized blocks, not floats)
 * @param parameters    elements of every tensor
 * @param layerType     the tensor type holding most of the layers' weight bytes, e.g. {@code Q4_K} in a Q4_K_M
 *                      file; {@code ?} when the model has no layer tensors
 * @param bytesPerToken weight bytes one decode step reads: every matrix but the embedding table, whose rows are
 *                      looked up
 */
public record ModelWeights(long bytes, long parameters, String layerType, long bytesPerToken) {
}
