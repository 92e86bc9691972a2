package io.streamllm.api;

/**
 * Receives the attention of every layer, head and query while it is attached to a session with
 * {@link StreamingSession#recordAttention}: what each fed token gave each token the cache held for it (the
 * sinks and the window, under any policy). Called on the thread that feeds the session, layer by layer.
 * Recording copies every weight; a session with no recorder attached pays nothing for the hook.
 */
@FunctionalInterface
public interface AttentionRecorder {
    /**
     * Takes the weights of one query in one head of one layer.
     *
     * @param weights the softmax weights over the keys the query saw, with each key's stream position
     */
    void record(AttentionWeights weights);
}
