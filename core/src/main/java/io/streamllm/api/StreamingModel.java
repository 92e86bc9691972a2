package io.streamllm.api;

import io.streamllm.engine.Embedder;
import io.streamllm.engine.Session;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.model.Model;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.ModelLoader;
import io.streamllm.tensor.Parallel;

import io.streamllm.kv.DuoPolicy;

import java.nio.file.Files;
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

    /**
     * Loads a model with one thread per core ({@link ModelOptions#defaults()}).
     *
     * @param path a GGUF file or a Hugging Face model directory
     * @return the model, to be closed
     * @throws ModelFormatException when the model cannot be read (see {@link #load(Path, ModelOptions)})
     */
    public static StreamingModel load(Path path) {
        return load(path, ModelOptions.defaults());
    }

    /**
     * Loads the model at {@code path}: a GGUF file or a Hugging Face model directory.
     *
     * @param path    a GGUF file or a Hugging Face model directory
     * @param options the threads its kernels run on
     * @return the model, to be closed
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

    /** {@return what the model is} */
    public ModelInfo info() {
        return info;
    }

    /** {@return its tokenizer: text to token ids and back, as its file defines them. Thread-safe} */
    public Tokenizer tokenizer() {
        return model.tokenizer();
    }

    /** {@return its Jinja chat template (GGUF {@code tokenizer.chat_template}, HF {@code chat_template}), if it has one} */
    public Optional<String> chatTemplate() {
        return Optional.ofNullable(model.chatTemplate());
    }

    /** {@return its weights' size, parameter count and main tensor type, read from the tensors} */
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

    /** {@return the threads its kernels run on} */
    public int threads() {
        return pool.threads();
    }

    /**
     * Opens a new, empty session with the default options ({@link SessionOptions#of(CachePolicy)}).
     *
     * @param policy what its KV cache keeps
     * @return the session
     */
    public StreamingSession newSession(CachePolicy policy) {
        return newSession(SessionOptions.of(policy));
    }

    /**
     * Opens a new, empty session.
     *
     * @param options its cache policy, KV type and chunk sizes
     * @return the session
     */
    public StreamingSession newSession(SessionOptions options) {
        return new StreamingSession(this, options);
    }

    /**
     * Restores a session from a snapshot.
     *
     * @param snapshot what {@link StreamingSession#snapshot()} gave, for a session of this model
     * @return the session, where the snapshotted one was
     * @throws SnapshotException when the snapshot is corrupt, truncated or of another model
     */
    public StreamingSession restoreSession(byte[] snapshot) {
        return StreamingSession.restore(this, snapshot);
    }

    /**
     * Opens a new, empty conversation.
     *
     * @param options its session's cache policy, KV type and chunk sizes
     * @return the conversation
     */
    public Conversation newConversation(SessionOptions options) {
        return new Conversation(this, options);
    }

    /**
     * Restores a conversation from a snapshot.
     *
     * @param snapshot what {@link Conversation#snapshot()} gave, for a conversation of this model
     * @return the conversation, where the snapshotted one was
     * @throws SnapshotException when the snapshot is corrupt, truncated or of another model
     */
    public Conversation restoreConversation(byte[] snapshot) {
        return Conversation.restore(this, snapshot);
    }

    /**
     * How {@link #embed(int[])} pools hidden states: as the GGUF file declares ({@code <arch>.pooling_type}
     * 1 mean, 2 cls, 3 last), else (no declaration, or type 0, none) {@link Pooling#MEAN}.
     *
     * @return the pooling
     * @throws InvalidSettingException when the file declares a pooling that is no embedding (4, rank) or unknown
     */
    public Pooling pooling() {
        return switch (model.poolingType()) {
            case Model.NO_POOLING_TYPE, 0, 1 -> Pooling.MEAN;
            case 2 -> Pooling.CLS;
            case 3 -> Pooling.LAST;
            default -> throw new InvalidSettingException("the model declares pooling type " + model.poolingType()
                    + (model.poolingType() == 4 ? " (rank: a reranker)" : "") + ", which gives no embedding");
        };
    }

    /**
     * A text embedding: the last hidden states of the text's tokens (after the final norm, before the LM head),
     * pooled as {@link #pooling()} says and scaled to unit Euclidean length. The text runs through a cache of its
     * own (no session is touched): dense up to the model's context, a sink cache (4 sinks) beyond it.
     * Thread-safe, as opening a session is.
     *
     * @param tokens the text's token ids (with BOS first if the model wants one), at least one
     * @return the embedding, {@link ModelInfo#embeddingLength()} floats of norm 1
     * @throws InvalidSettingException when there are no tokens or one is outside the vocabulary
     */
    public float[] embed(int[] tokens) {
        checkTokens(tokens);
        if (tokens.length == 0) {
            throw new InvalidSettingException("nothing to embed: the input has no tokens");
        }
        return Embedder.embed(model.network(), tokens, embedderPooling(), Session.DEFAULT_PREFILL_CHUNK);
    }

    /**
     * A text embedding as {@link #embed(int[])}, of {@code text} tokenized with the model's BOS token first
     * (when it has one).
     *
     * @param text plain text; special-token text in it stays text
     * @return the embedding, of norm 1
     * @throws InvalidSettingException when the text gives no tokens
     */
    public float[] embed(String text) {
        return embed(tokenizer().encode(text, true, false));
    }

    private Embedder.Pooling embedderPooling() {
        return switch (pooling()) {
            case MEAN -> Embedder.Pooling.MEAN;
            case CLS -> Embedder.Pooling.FIRST;
            case LAST -> Embedder.Pooling.LAST;
        };
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
        return new Session(model.network(), withHeadSplit(options.policy().engine()), options.prefillChunk(),
                options.evictChunk(), options.kvType());
    }

    /** A duo policy gets its retrieval heads from the model's calibration, saved beside the model. */
    private io.streamllm.kv.CachePolicy withHeadSplit(io.streamllm.kv.CachePolicy policy) {
        if (!(policy instanceof DuoPolicy duo) || duo.split() != null) {
            return policy;
        }
        Path file = DuoCalibration.fileFor(info.source());
        if (!Files.exists(file)) {
            throw new InvalidSettingException("cache policy " + duo.spec() + " needs the model's retrieval heads, and"
                    + " there is no duo calibration at " + file + " (make one with `streamllm duo-calibrate`)");
        }
        DuoCalibration calibration = DuoCalibration.load(file);
        double[][] scores = calibration.retrievalScores();
        if (scores.length != info.layers() || scores[0].length != info.kvHeads()) {
            throw new InvalidSettingException("the duo calibration " + file + " is of " + scores.length + " layers x "
                    + scores[0].length + " KV heads, but " + info.name() + " has " + info.layers() + " x " + info.kvHeads());
        }
        return duo.withSplit(calibration.split(duo.retrievalShare()));
    }

    void checkTokens(int[] tokens) {
        for (int token : tokens) {
            checkToken(token);
        }
    }

    void checkBias(Sampling sampling) {
        if (sampling.logitBias().isEmpty()) {
            return;
        }
        for (int token : sampling.logitBias().keySet()) {
            int vocabulary = info.vocabularySize();
            if (token >= vocabulary) {
                throw new InvalidSettingException("logit bias: token id " + token + " is outside the vocabulary (0.."
                        + (vocabulary - 1) + ")");
            }
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
