package io.streamllm.chat;

import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;
import io.streamllm.testing.References;

/** The shipped stories260K model, loaded once for all chat tests (a memory-mapped file the JVM's exit releases). */
final class ShippedModel {
    private static Model stories260K;

    private ShippedModel() {
    }

    static synchronized Model stories260K() {
        if (stories260K == null) {
            stories260K = ModelLoader.load(References.stories260K());
        }
        return stories260K;
    }
}
