package io.streamllm.model.blocks;

import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;

/** out = down . act(up . h): the ungated MLP of GPT-NeoX, Falcon and MPT (GELU; biases optional). */
public record PlainFfn(Linear up, Linear down, Activation activation) implements Ffn {

    /** {@code blk.N.ffn_up} and {@code blk.N.ffn_down}, with their biases when the file has them. */
    public static PlainFfn load(Weights weights, String layerPrefix, int width, int hidden, Activation activation) {
        return new PlainFfn(Linear.load(weights, layerPrefix + "ffn_up", width, hidden),
                Linear.load(weights, layerPrefix + "ffn_down", hidden, width), activation);
    }

    @Override
    public void apply(ForwardState st, int count, int width, Parallel pool) {
        MatvecInput h = st.xbShared.set(st.xb, width);
        up.apply(h, count, st.hidden, pool);
        float[] hidden = st.hidden;
        for (int i = 0, n = count * up.weight().rows(); i < n; i++) {
            hidden[i] = activation.apply(hidden[i]);
        }
        down.apply(st.hidden, count, st.xb2, pool);
    }

    @Override
    public long byteSize() {
        return up.byteSize() + down.byteSize();
    }
}
