package io.streamllm.model.blocks;

import io.streamllm.tensor.Parallel;

/** A feed-forward block: gated (SwiGLU, GeGLU) or plain (up, activation, down). */
public interface Ffn {

    /** Reads the block's input from {@code st.xb} ({@code count} rows of {@code width}) and writes its output to {@code st.xb2}. */
    void apply(ForwardState st, int count, int width, Parallel pool);

    /** Bytes of weights. */
    long byteSize();
}
