package io.streamllm.testing;

import io.streamllm.api.StreamingModel;
import io.streamllm.model.Model;
import io.streamllm.model.ModelLoader;

/**
 * The shipped stories260K, loaded once per test JVM for the tests that only read it. It is never closed:
 * a read-only mapping that the process's exit releases, so tests need no set-up or tear-down of their own.
 */
public final class SharedModel {
    private SharedModel() {
    }

    private static final class Holder {
        static final Model STORIES_260K = ModelLoader.load(References.stories260K(), TestPool.shared());
    }

    private static final class ApiHolder {
        static final StreamingModel STORIES_260K = StreamingModel.load(References.stories260K());
    }

    public static Model stories260K() {
        return Holder.STORIES_260K;
    }

    /** The same model through the public API. */
    public static StreamingModel streamingStories260K() {
        return ApiHolder.STORIES_260K;
    }
}
