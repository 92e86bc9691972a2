package io.streamllm.model.blocks;

/**
 * Receives the softmax weights of every layer, head and query of a forward pass, when one is attached to a
 * {@link ForwardState}. Called on the forwarding thread, after a layer's heads have run, once per head and
 * batch token; the arrays are the engine's buffers, valid only during the call.
 */
@FunctionalInterface
public interface AttentionObserver {
    /**
     * @param weights      the weights over the keys the query sees, at {@code [offset, offset + keys)}; their sum
     *                     is 1 less the share of a learned sink logit (gpt-oss)
     * @param keyPositions the stream position of each of those keys, at {@code [0, keys)}: sinks, then the window
     */
    void observe(int layer, int head, long queryPosition, float[] weights, int offset, long[] keyPositions, int keys);
}
