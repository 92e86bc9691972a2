package io.streamllm.model.arch;

import io.streamllm.model.Architecture;
import io.streamllm.model.blocks.Activation;

/**
 * An architecture whose MLP applies GELU (GPT-NeoX, Falcon, MPT, Gemma 2): by default through ggml's fp16 table, as stock
 * llama.cpp computes it, or exactly ({@link Activation#GELU_TANH}, as llama.cpp built without the table does).
 */
abstract class GeluArchitecture implements Architecture {
    protected final Activation gelu;

    protected GeluArchitecture(Activation gelu) {
        this.gelu = gelu;
    }
}
