package io.streamllm.chat;

import io.streamllm.api.StreamingModel;
import io.streamllm.testing.References;

/** The shipped models, each loaded once for all chat tests (memory-mapped files the JVM's exit releases). */
final class ShippedModel {
    private static StreamingModel stories260K;
    private static StreamingModel tinystories656k;

    private ShippedModel() {
    }

    static synchronized StreamingModel stories260K() {
        if (stories260K == null) {
            stories260K = StreamingModel.load(References.stories260K());
        }
        return stories260K;
    }

    static synchronized StreamingModel tinystories656k() {
        if (tinystories656k == null) {
            tinystories656k = StreamingModel.load(References.tinystories656k());
        }
        return tinystories656k;
    }
}
