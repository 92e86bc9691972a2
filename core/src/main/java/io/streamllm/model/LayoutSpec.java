package io.streamllm.model;

/**
 * What surrounds the layers, and how a layer joins its two blocks.
 *
 * @param embeddingScale    factor on the token embeddings (Gemma: sqrt of the width); 1 for none
 * @param finalLogitSoftcap when positive, logits become cap * tanh(logit / cap) (Gemma 2); 0 for none
 * @param parallelResidual  attention and MLP read the same input and both add to it (GPT-NeoX, Falcon)
 */
public record LayoutSpec(float embeddingScale, float finalLogitSoftcap, boolean parallelResidual) {

    public static final LayoutSpec SEQUENTIAL = new LayoutSpec(1f, 0f, false);
}
