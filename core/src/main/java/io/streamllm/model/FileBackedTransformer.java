package io.streamllm.model;

import io.streamllm.format.TensorStore;
import io.streamllm.kv.KvCache;
import io.streamllm.model.blocks.ForwardState;

/**
 * A transformer whose weights are mapped from model files: a file cut short under the running process
 * (truncated, or rewritten in place) is reported as a {@link io.streamllm.api.ModelFormatException} naming it,
 * before a forward pass reads it or, if it is cut during one, from the fault the read raised.
 * The process stays up; every later forward pass on this model fails the same way.
 */
final class FileBackedTransformer implements Transformer {
    private final Transformer network;
    private final TensorStore store;

    private FileBackedTransformer(Transformer network, TensorStore store) {
        this.network = network;
        this.store = store;
    }

    static Transformer of(Transformer network, TensorStore store) {
        return new FileBackedTransformer(network, store);
    }

    @Override
    public ModelConfig config() {
        return network.config();
    }

    @Override
    public ForwardState newState(int maxBatch) {
        return network.newState(maxBatch);
    }

    @Override
    public void forward(int[] tokens, int offset, int count, KvCache cache, ForwardState state, float[] logits,
                        boolean allLogits) {
        store.checkUnchanged();
        try {
            network.forward(tokens, offset, count, cache, state, logits, allLogits);
        } catch (InternalError fault) {
            // "a fault occurred in an unsafe memory access operation": the file was cut meanwhile.
            store.checkUnchanged();
            throw fault;
        }
    }

    @Override
    public void forwardHidden(int[] tokens, int offset, int count, KvCache cache, ForwardState state) {
        store.checkUnchanged();
        try {
            network.forwardHidden(tokens, offset, count, cache, state);
        } catch (InternalError fault) {
            store.checkUnchanged();
            throw fault;
        }
    }

    @Override
    public long weightBytes() {
        return network.weightBytes();
    }
}
