package io.streamllm.model;

import io.streamllm.kv.KvCache;
import io.streamllm.model.blocks.ForwardState;

/** A decoder-only transformer: tokens in, next-token logits out, keys and values into a cache. */
public interface Transformer {

    ModelConfig config();

    /** Scratch buffers for batches of up to {@code maxBatch} tokens. One per stream; not thread-safe. */
    ForwardState newState(int maxBatch);

    /**
     * Runs {@code count} tokens (at the cache's next positions) through the network, appending their keys
     * and values to {@code cache} as its policy says.
     *
     * @param logits receives the next-token logits after the last token ({@code vocabularySize} floats),
     *               or after every token of the batch ({@code count * vocabularySize}) when {@code allLogits}
     */
    void forward(int[] tokens, int offset, int count, KvCache cache, ForwardState state, float[] logits, boolean allLogits);

    /**
     * Runs {@code count} tokens through the layers and the final norm as {@link #forward} does, without the LM
     * head: the normalized last hidden state of token i of the batch is left in row i of
     * {@code state.finalRows} (width {@code embeddingLength}), valid until the next pass.
     */
    void forwardHidden(int[] tokens, int offset, int count, KvCache cache, ForwardState state);

    /** Bytes of weights read per token. */
    long weightBytes();
}
