package io.streamllm.chat;

import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;

import java.nio.file.Path;

/** The shipped stories260K model, loaded once for all chat tests (a memory-mapped file the JVM's exit releases). */
final class ShippedModel {
    /** Tests run in the app module; the shipped models are at the repository root. */
    static final Path STORIES_260K = Path.of("../models/stories260K/stories260K.gguf");

    private static Model stories260K;

    private ShippedModel() {
    }

    static synchronized Model stories260K() {
        if (stories260K == null) {
            stories260K = ModelLoader.load(STORIES_260K);
        }
        return stories260K;
    }
}
