package io.streamllm.cli;

import io.streamllm.api.ModelInfo;
import io.streamllm.api.StreamingModel;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;

/** Options shared by every command that runs a model. */
final class ModelOptions {
    /** The model shipped in the repository, used when no -m is given. */
    static final String DEFAULT_MODEL = "models/stories260K/stories260K.gguf";

    /** --threads may ask for at most this many threads per processor the JVM may use. */
    static final int MAX_THREADS_PER_PROCESSOR = 4;

    @Option(names = {"-m", "--model"}, paramLabel = "MODEL",
            description = "a .gguf file or a Hugging Face model directory (default: the shipped " + DEFAULT_MODEL + ")")
    Path model;

    @Option(names = {"-t", "--threads"}, paramLabel = "N",
            description = "worker threads (default: the number of cores)")
    Integer threads;

    /** The model path, resolving the default against the installation directory. */
    Path modelPath() {
        if (model != null) {
            return model;
        }
        Path home = Path.of(System.getProperty("streamllm.home", "."));
        Path shipped = home.resolve(DEFAULT_MODEL);
        return Files.exists(shipped) ? shipped : Path.of(DEFAULT_MODEL);
    }

    /** How the model is loaded: --threads checked, or one thread per core. */
    io.streamllm.api.ModelOptions loadOptions() {
        if (threads == null) {
            return io.streamllm.api.ModelOptions.defaults();
        }
        if (threads < 1) {
            throw new IllegalArgumentException("--threads must be at least 1, got " + threads);
        }
        // More threads than that only take turns on the cores (and each one is a stack and a spinning worker).
        int limit = MAX_THREADS_PER_PROCESSOR * Runtime.getRuntime().availableProcessors();
        if (threads > limit) {
            throw new IllegalArgumentException("--threads " + threads + " is more than " + MAX_THREADS_PER_PROCESSOR
                    + " per available processor; use at most " + limit);
        }
        return new io.streamllm.api.ModelOptions(threads);
    }

    StreamingModel load() {
        io.streamllm.api.ModelOptions options = loadOptions();
        long start = System.nanoTime();
        StreamingModel model = StreamingModel.load(modelPath(), options);
        ModelInfo info = model.info();
        Console.status(String.format("loaded %s (%s, %d layers, %s of weights) in %.0f ms", info.name(),
                info.architecture(), info.layers(), Console.bytes(model.weights().bytesPerToken()),
                (System.nanoTime() - start) / 1e6));
        return model;
    }
}
