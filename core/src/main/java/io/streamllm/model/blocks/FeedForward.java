package io.streamllm.model.blocks;

import io.streamllm.tensor.Parallel;

/** A layer's MLP: reads its input from {@code st.xb} and writes its output to {@code st.xb2}. */
public interface FeedForward {

    void apply(ForwardState st, int count, int width, Parallel pool);

    long byteSize();
}
