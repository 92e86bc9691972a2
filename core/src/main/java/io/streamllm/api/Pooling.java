package io.streamllm.api;

/**
 * How {@link StreamingModel#embed(int[])} pools the last hidden states (after the final norm) of a text's tokens
 * into one vector: as the model's GGUF file declares it ({@code <arch>.pooling_type}), else {@link #MEAN}.
 */
public enum Pooling {
    /** The mean over all tokens: the default for a model that declares none (or declares type 0, none). */
    MEAN,
    /** The first token's state (BERT's CLS; GGUF pooling type 2). */
    CLS,
    /** The last token's state, which has seen the whole text in a causal model (GGUF pooling type 3). */
    LAST
}
