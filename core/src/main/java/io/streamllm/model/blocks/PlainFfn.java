package io.streamllm.model.blocks;

import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;

/** out = down . gelu(up . h): the ungated MLP of GPT-NeoX, Falcon and MPT (biases optional). */
public record PlainFfn(Linear up, Linear down, Gelu gelu) implements FeedForward {

    /** {@code blk.N.ffn_up} and {@code blk.N.ffn_down}, with their biases when the file has them. */
    public static PlainFfn load(Weights weights, String layerPrefix, int width, int hidden, Gelu gelu) {
        return new PlainFfn(Linear.load(weights, layerPrefix + "ffn_up", width, hidden),
                Linear.load(weights, layerPrefix + "ffn_down", hidden, width), gelu);
    }

    @Override
    public void apply(ForwardState st, int count, int width, Parallel pool) {
        MatvecInput h = st.xbShared.set(st.xb, width);
        up.apply(h, count, st.hidden, pool);
        gelu.applyInPlace(st.hidden, 0, count * up.weight().rows());
        down.apply(st.hidden, count, st.xb2, pool);
    }

    @Override
    public long byteSize() {
        return up.byteSize() + down.byteSize();
    }
}
