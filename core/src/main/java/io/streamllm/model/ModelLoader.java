package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufMetadata;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.hf.HfModelDirectory;
import io.streamllm.model.blocks.Weights;
import io.streamllm.tensor.Parallel;
import io.streamllm.api.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opens a model: a GGUF file or a Hugging Face directory. */
public final class ModelLoader {
    private ModelLoader() {
    }

    public static Model load(Path path, Parallel pool) {
        if (HfModelDirectory.isModelDirectory(path)) {
            return loadHuggingFace(path, pool);
        }
        requireGgufFile(path);
        return loadGguf(path, pool);
    }

    /**
     * Only the tokenizer of the model at {@code path}: from a GGUF file's metadata (its tensors are not needed,
     * so a vocabulary-only file such as llama.cpp's {@code ggml-vocab-*.gguf} will do), or from a Hugging Face
     * directory's tokenizer files.
     */
    public static Tokenizer loadTokenizer(Path path) {
        if (HfModelDirectory.isModelDirectory(path)) {
            return Tokenizers.fromHuggingFace(path);
        }
        requireGgufFile(path);
        // The tokenizer copies what it needs out of the metadata, which is on the heap: the mapping can go.
        try (GgufFile file = GgufFile.open(path)) {
            return Tokenizers.fromGguf(file.metadata());
        }
    }

    private static void requireGgufFile(Path path) {
        if (Files.isDirectory(path)) {
            throw new ModelFormatException(path + ": a directory without config.json is not a Hugging Face model");
        }
        if (!Files.exists(path)) {
            throw new ModelFormatException(path + ": no such file or directory");
        }
    }

    private static Model loadGguf(Path path, Parallel pool) {
        GgufFile file = GgufFile.open(path);
        try {
            GgufMetadata meta = file.metadata();
            TensorStore store = new GgufTensorStore(file);
            ModelConfig config = configFromGguf(meta, store);
            Transformer network = network(config, store, pool);
            Tokenizer tokenizer = Tokenizers.fromGguf(meta);
            String name = meta.findString("general.name").orElse(path.getFileName().toString());
            String template = meta.findString("tokenizer.chat_template").orElse(null);
            int pooling = meta.getInt(config.architecture() + ".pooling_type", Model.NO_POOLING_TYPE);
            return new Model(name, path, config, network, tokenizer, template, store, pooling);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    static ModelConfig configFromGguf(GgufMetadata meta, TensorStore store) {
        String name = meta.getString("general.architecture");
        return Architectures.forGguf(name, store.source()).fromGguf(new GgufConfig(meta, store, name));
    }

    /**
     * The network of {@code config} over the tensors of {@code store}, which must hold no tensor the
     * architecture does not read.
     */
    static Transformer network(ModelConfig config, TensorStore store, Parallel pool) {
        Architecture architecture = Architectures.forGguf(config.architecture(), store.source());
        Weights weights = new Weights(store, config.architecture());
        Transformer network = architecture.load(config, weights, pool);
        if (store.has("rope_freqs.weight")) {
            weights.markRead("rope_freqs.weight"); // read by the configuration
        }
        weights.requireAllRead();
        return FileBackedTransformer.of(network, store);
    }

    private static Model loadHuggingFace(Path directory, Parallel pool) {
        Architecture architecture = hfArchitecture(HfModelDirectory.readJson(directory.resolve("config.json")),
                directory + "/config.json");
        HfModelDirectory store = HfModelDirectory.open(directory, architecture.hfTensorNames());
        try {
            ModelConfig config = configFromHuggingFace(store.config(), store);
            Transformer network = network(config, store, pool);
            Tokenizer tokenizer = Tokenizers.fromHuggingFace(directory);
            String template = chatTemplateFromHuggingFace(directory);
            return new Model(directory.getFileName().toString(), directory, config, network, tokenizer, template, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    static ModelConfig configFromHuggingFace(Map<String, Object> json, TensorStore store) {
        return hfArchitecture(json, store.source()).fromHuggingFace(new HfConfig(json, store.source() + "/config.json"));
    }

    private static Architecture hfArchitecture(Map<String, Object> json, String source) {
        HfConfig c = new HfConfig(json, source);
        return Architectures.forHuggingFace(c.string("model_type"), source);
    }

    private static String chatTemplateFromHuggingFace(Path directory) {
        Path file = directory.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        Object template = HfModelDirectory.readJson(file).get("chat_template");
        if (template instanceof String text) {
            return text;
        }
        if (template instanceof List<?> named) {
            // Several named templates: the one called "default" is the chat template.
            for (Object entry : named) {
                if (entry instanceof Map<?, ?> m && "default".equals(m.get("name")) && m.get("template") instanceof String t) {
                    return t;
                }
            }
        }
        return null;
    }
}
