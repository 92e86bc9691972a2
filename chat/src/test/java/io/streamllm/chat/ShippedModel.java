package io.streamllm.chat;

import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;

/** The shipped models, each loaded once for all chat tests (memory-mapped files the JVM's exit releases). */
final class ShippedModel {
    private static Model stories260K;
    private static Model tinystories656k;

    private ShippedModel() {
    }

    static synchronized Model stories260K() {
        if (stories260K == null) {
            stories260K = ModelLoader.load(References.stories260K());
        }
        return stories260K;
    }

    static synchronized Model tinystories656k() {
        if (tinystories656k == null) {
            tinystories656k = ModelLoader.load(References.tinystories656k());
        }
        return tinystories656k;
    }
}
