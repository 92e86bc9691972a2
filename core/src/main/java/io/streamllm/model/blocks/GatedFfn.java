package io.streamllm.model.blocks;

import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;

/**
 * out = down . (act(gate . h) * up . h): the gated feed-forward block. A fused gate_up tensor (Phi-3) comes
 * in as two row views of the one mapped tensor ({@link Weights#rows}).
 */
public record GatedFfn(Linear gate, Linear up, Linear down, Activation activation) implements Ffn {

    @Override
    public void apply(ForwardState st, int count, int width, Parallel pool) {
        MatvecInput h = st.xbShared.set(st.xb, width);
        gate.apply(h, count, st.hidden, pool);
        up.apply(h, count, st.hidden2, pool);
        int n = count * down.weight().cols();
        float[] g = st.hidden;
        float[] u = st.hidden2;
        for (int i = 0; i < n; i++) {
            g[i] = activation.apply(g[i]) * u[i];
        }
        down.apply(st.hidden, count, st.xb2, pool);
    }

    @Override
    public long byteSize() {
        return gate.byteSize() + up.byteSize() + down.byteSize();
    }
}
