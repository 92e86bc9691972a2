package io.streamllm.api;

import io.streamllm.engine.Session;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.model.Model;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.Parallel;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * A language model loaded for streaming: a GGUF file or a Hugging Face directory (safetensors), its weights
 * memory-mapped, not copied. Open sessions on it; close it when done.
 *
 * <pre>{@code
 * try (var model = StreamingModel.load(Path.of("model.gguf"))) {
 *     var session = model.newSession(CachePolicy.sink(4, 1020));
 *     session.generate("Once upon a time", Sampling.greedy().maxTokens(100), System.out::print);
 * }
 * }</pre>
 *
 * <p>Thread-safety: a model is shared by any number of sessions on any threads; each session is used by one
 * thread at a time. The model owns the thread pool its kernels run on ({@link ModelOptions#threads()}): sessions
 * running at once take turns on it. Closing the model while sessions still run is an error of the caller.
 */
public final class StreamingModel implements AutoCloseable {
    private final Model model;
    private final Parallel pool;
    private final ModelInfo info;

    private StreamingModel(Model model, Parallel pool) {
        this.model = model;
        this.pool = pool;
        ModelConfig config = model.config();
        this.info = new ModelInfo(model.name(), model.source(), config.architecture(), config.contextLength(),
                config.vocabularySize(), config.blockCount(), config.embeddingLength(), config.headCount(),
                config.headCountKv(), config.headDim(), config.kvBytesPerToken());
    }

    /** Loads the model at {@code path} with one thread per core. */
    public static StreamingModel load(Path path) {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Loads the model at {@code path}: a GGUF file or a Hugging Face model directory.
     *
     * @throws ModelFormatException              when the file is missing, truncated or foreign
     * @throws UnsupportedArchitectureException  when its architecture is not implemented
     * @throws UnsupportedTensorTypeException    when a tensor's type has no kernels
     */
    public static StreamingModel load(Path path, ModelOptions options) {
        Parallel pool = Parallel.create(options.threads());
        try {
            return new StreamingModel(ModelLoader.load(path, pool), pool);
        } catch (RuntimeException | Error e) {
            pool.close();
            throw e;
        }
    }

    /** What the model is. */
    public ModelInfo info() {
        return info;
    }

    /** Its tokenizer: text to token ids and back, as its file defines them. Thread-safe. */
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    /** Its Jinja chat template (GGUF {@code tokenizer.chat_template}, HF {@code chat_template}), if it has one. */
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(model.chatTemplate());
    }

    /** Its weights' size, parameter count and main tensor type, read from the tensors. */
    public ModelWeights weights() {
        TensorStore store = model.store();
        long bytes = 0;
        long parameters = 0;
        Map<String, Long> layerBytesByType = new HashMap<>();
        for (String name : store.names()) {
            TensorView tensor = store.get(name);
            bytes += tensor.data().byteSize();
            parameters += tensor.elementCount();
            if (name.startsWith("blk.")) {
                layerBytesByType.merge(tensor.type().name(), tensor.data().byteSize(), Long::sum);
            }
        }
        String layerType = layerBytesByType.entrySet().stream().max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey).orElse("?");
        return new ModelWeights(bytes, parameters, layerType, model.network().weightBytes());
    }

    /** Threads its kernels run on. */
    public int threads() {
        return pool.threads();
    }

    /** A new, empty session under {@code policy} with the default options. */
    public StreamingSession newSession(CachePolicy policy) {
        return newSession(SessionOptions.of(policy));
    }

    /** A new, empty session. */
    public StreamingSession newSession(SessionOptions options) {
        return new StreamingSession(this, options);
    }

    /** A session restored from {@link StreamingSession#snapshot()} of a session of this model. */
    public StreamingSession restoreSession(byte[] snapshot) {
        return StreamingSession.restore(this, snapshot);
    }

    /** A new, empty conversation. */
    public Conversation newConversation(SessionOptions options) {
        return new Conversation(this, options);
    }

    /** A conversation restored from {@link Conversation#snapshot()} of a conversation of this model. */
    public Conversation restoreConversation(byte[] snapshot) {
        return Conversation.restore(this, snapshot);
    }

    /** Unmaps the weights and stops the thread pool. */
    @Override
    public void close() {
        try {
            model.close();
        } finally {
            pool.close();
        }
    }

    @Override
    public String toString() {
        return info.name() + " (" + info.architecture() + ")";
    }

    Session engineSession(SessionOptions options) {
        return new Session(model.network(), options.policy().engine(), options.prefillChunk(), options.evictChunk(),
                options.kvType());
    }

    void checkTokens(int[] tokens) {
        for (int token : tokens) {
            checkToken(token);
        }
    }

    void checkToken(int token) {
        int vocabulary = info.vocabularySize();
        if (token < 0 || token >= vocabulary) {
            throw new InvalidSettingException("token id " + token + " is outside the vocabulary (0.."
                    + (vocabulary - 1) + ")");
        }
    }
}
