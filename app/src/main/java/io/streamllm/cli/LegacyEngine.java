package io.streamllm.cli;

import io.streamllm.api.ModelInfo;
import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.model.Model;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.Parallel;

/**
 * Transitional: chat's ChatSession and the server's ServedModel still take the engine's Model and Session until
 * their migration onto io.streamllm.api (branch issue11-server) lands. Delete this class then, with the engine
 * calls of ChatCommand and ServeCommand.
 */
final class LegacyEngine {
    private LegacyEngine() {
    }

    /** The engine's model on a pool of its own, sized by --threads; the pool's daemon threads end with the JVM. */
    static Model load(ModelOptions options) {
        Parallel pool = Parallel.create(options.loadOptions().threads());
        long start = System.nanoTime();
        Model model = ModelLoader.load(options.modelPath(), pool);
        Console.status(String.format("loaded %s (%s, %d layers, %s of weights) in %.0f ms", model.name(),
                model.config().architecture(), model.config().blockCount(), Console.bytes(model.network().weightBytes()),
                (System.nanoTime() - start) / 1e6));
        return model;
    }

    static ModelInfo info(Model model) {
        ModelConfig c = model.config();
        return new ModelInfo(model.name(), model.source(), c.architecture(), c.contextLength(), c.vocabularySize(),
                c.blockCount(), c.embeddingLength(), c.headCount(), c.headCountKv(), c.headDim(), c.kvBytesPerToken());
    }

    static CachePolicy policy(io.streamllm.api.CachePolicy policy) {
        return CachePolicy.parse(policy.spec());
    }

    static Session newSession(Model model, CacheOptions options, io.streamllm.api.CachePolicy policy) {
        options.sessionOptions(policy); // the flags checked, named in the message
        return new Session(model.network(), policy(policy), options.prefillChunk, options.evictChunk,
                options.kvType.type());
    }
}
