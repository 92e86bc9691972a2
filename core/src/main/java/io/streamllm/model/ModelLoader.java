package io.streamllm.model;

import io.streamllm.util.Quote;
import io.streamllm.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufMetadata;
import io.streamllm.gguf.GgufTensorStore;
import io.streamllm.hf.HfModelDirectory;
import io.streamllm.tensor.Parallel;
import io.streamllm.tokenizer.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Opens a model: a GGUF file or a Hugging Face directory. */
public final class ModelLoader {
    /** Architectures this engine runs, by their GGUF / Hugging Face names. */
    private static final List<String> GGUF_ARCHITECTURES = List.of("llama", "qwen2");
    private static final List<String> HF_MODEL_TYPES = List.of("llama", "mistral", "qwen2");

    private ModelLoader() {
    }

    public static Model load(Path path) {
        return load(path, Parallel.common());
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
            Tokenizer tokenizer = Tokenizers.fromGguf(meta);
            String name = meta.findString("general.name").orElse(path.getFileName().toString());
            String template = meta.findString("tokenizer.chat_template").orElse(null);
            return new Model(name, path, config, FileBackedTransformer.of(config, store, pool), tokenizer, template, store);
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    static ModelConfig configFromGguf(GgufMetadata meta, TensorStore store) {
        String arch = meta.getString("general.architecture");
        if (!GGUF_ARCHITECTURES.contains(arch)) {
            throw new ModelFormatException(store.source() + ": unsupported architecture " + Quote.of(arch)
                    + " (supported: " + String.join(", ", GGUF_ARCHITECTURES) + ")");
        }
        String p = arch + ".";
        ConfigCheck check = new ConfigCheck(store.source());
        int dim = check.positive(p + "embedding_length", meta.getInt(p + "embedding_length"));
        int heads = check.positive(p + "attention.head_count", meta.getInt(p + "attention.head_count"));
        int headDim = check.positive(p + "attention.key_length", meta.getInt(p + "attention.key_length", dim / heads));
        int vocab = meta.has(p + "vocab_size")
                ? check.positive(p + "vocab_size", meta.getInt(p + "vocab_size"))
                : vocabularyFromEmbedding(store.get("token_embd.weight"));
        int ropeDims = check.ropeDimensions(p + "rope.dimension_count", meta.getInt(p + "rope.dimension_count", headDim), headDim);
        double theta = check.positive(p + "rope.freq_base", meta.getFloat(p + "rope.freq_base", 10000f));
        // llama.cpp's converters permute Llama's Q/K so that RoPE pairs adjacent dimensions; Qwen2 keeps halves.
        RopeStyle style = arch.equals("llama") ? RopeStyle.ADJACENT_PAIRS : RopeStyle.SPLIT_HALF;
        float[] divisors = ropeDivisorsFromGguf(meta, store, p, ropeDims);
        return new ModelConfig(arch, dim, check.positive(p + "block_count", meta.getInt(p + "block_count")), heads,
                check.kvHeads(p + "attention.head_count_kv", meta.getInt(p + "attention.head_count_kv", heads), heads, headDim),
                headDim, check.positive(p + "feed_forward_length", meta.getInt(p + "feed_forward_length")), vocab,
                check.positive(p + "context_length", meta.getInt(p + "context_length")),
                check.epsilon(p + "attention.layer_norm_rms_epsilon", meta.getFloat(p + "attention.layer_norm_rms_epsilon")),
                new RopeConfig(theta, ropeDims, style, divisors));
    }

    /** Without a vocab_size key the embedding table has one row per token. */
    private static int vocabularyFromEmbedding(TensorView embedding) {
        if (embedding.shape().length != 2) {
            throw new ModelFormatException("tensor '" + embedding.name() + "' has shape "
                    + java.util.Arrays.toString(embedding.shape()) + " but an embedding table has two dimensions");
        }
        return (int) embedding.shape()[1]; // GGUF dimensions are at most Integer.MAX_VALUE
    }

    private static float[] ropeDivisorsFromGguf(GgufMetadata meta, TensorStore store, String p, int ropeDims) {
        if (store.has("rope_freqs.weight")) {
            // Llama 3.1 and later store the per-pair frequency divisors as a tensor.
            return store.get("rope_freqs.weight").expectShape(ropeDims / 2).floats();
        }
        String scaling = meta.findString(p + "rope.scaling.type").orElse("none");
        return switch (scaling) {
            case "none" -> null;
            case "linear" -> {
                float[] divisors = new float[ropeDims / 2];
                java.util.Arrays.fill(divisors, meta.getFloat(p + "rope.scaling.factor"));
                yield divisors;
            }
            default -> throw new ModelFormatException(store.source() + ": RoPE scaling " + Quote.of(scaling)
                    + " is not supported (supported: none, linear, llama3 rope_freqs)");
        };
    }

    private static Model loadHuggingFace(Path directory, Parallel pool) {
        HfModelDirectory store = HfModelDirectory.open(directory);
        try {
            ModelConfig config = configFromHuggingFace(store.config(), store);
            Tokenizer tokenizer = Tokenizers.fromHuggingFace(directory);
            String template = chatTemplateFromHuggingFace(directory);
            return new Model(directory.getFileName().toString(), directory, config, FileBackedTransformer.of(config, store, pool),
                    tokenizer, template, store);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    static ModelConfig configFromHuggingFace(Map<String, Object> json, TensorStore store) {
        HfConfig c = new HfConfig(json, store.source() + "/config.json");
        String modelType = c.string("model_type");
        if (!HF_MODEL_TYPES.contains(modelType)) {
            throw new ModelFormatException(store.source() + ": unsupported model_type '" + modelType
                    + "' (supported: " + String.join(", ", HF_MODEL_TYPES) + ")");
        }
        ConfigCheck check = new ConfigCheck(c.source());
        int dim = check.positive("hidden_size", c.integer("hidden_size"));
        int heads = check.positive("num_attention_heads", c.integer("num_attention_heads"));
        int headDim = check.positive("head_dim", c.has("head_dim") ? c.integer("head_dim") : dim / heads);
        check.ropeDimensions("head_dim", headDim, headDim);
        double theta = check.positive("rope_theta", c.has("rope_theta") ? c.number("rope_theta") : 10000.0);
        int contextLength = check.positive("max_position_embeddings", c.integer("max_position_embeddings"));
        float[] divisors = ropeDivisorsFromHuggingFace(c, headDim, theta, contextLength);
        return new ModelConfig(modelType.equals("qwen2") ? "qwen2" : "llama", dim,
                check.positive("num_hidden_layers", c.integer("num_hidden_layers")), heads,
                check.kvHeads("num_key_value_heads", c.has("num_key_value_heads") ? c.integer("num_key_value_heads") : heads,
                        heads, headDim), headDim,
                check.positive("intermediate_size", c.integer("intermediate_size")),
                check.positive("vocab_size", c.integer("vocab_size")), contextLength,
                check.epsilon("rms_norm_eps", (float) c.number("rms_norm_eps")),
                // Hugging Face checkpoints rotate the two halves of each head (rotate_half).
                new RopeConfig(theta, headDim, RopeStyle.SPLIT_HALF, divisors));
    }

    private static float[] ropeDivisorsFromHuggingFace(HfConfig c, int headDim, double theta, int contextLength) {
        if (!(c.raw("rope_scaling") instanceof Map<?, ?> scaling)) {
            return null;
        }
        HfConfig s = new HfConfig(castMap(scaling), c.source() + " rope_scaling");
        String type = s.has("rope_type") ? s.string("rope_type") : s.string("type");
        return switch (type) {
            case "default" -> null;
            case "linear" -> {
                float[] divisors = new float[headDim / 2];
                java.util.Arrays.fill(divisors, (float) s.number("factor"));
                yield divisors;
            }
            case "llama3" -> RopeConfig.llama3Divisors(headDim, theta, s.number("factor"),
                    s.number("low_freq_factor"), s.number("high_freq_factor"),
                    s.has("original_max_position_embeddings") ? s.integer("original_max_position_embeddings") : contextLength);
            default -> throw new ModelFormatException(c.source() + ": RoPE scaling " + Quote.of(type)
                    + " is not supported (supported: linear, llama3)");
        };
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

    /**
     * Range checks of the hyper-parameters a model file declares, each naming the key and the value:
     * a zero would divide by zero further on.
     */
    private record ConfigCheck(String source) {
        int positive(String key, int value) {
            if (value <= 0) {
                throw invalid(key, value, "must be positive");
            }
            return value;
        }

        double positive(String key, double value) {
            if (!(value > 0) || Double.isInfinite(value)) {
                throw invalid(key, value, "must be a positive number");
            }
            return value;
        }

        float epsilon(String key, float value) {
            if (!(value >= 0) || Float.isInfinite(value)) {
                throw invalid(key, value, "must be a non-negative number");
            }
            return value;
        }

        int kvHeads(String key, int value, int heads, int headDim) {
            positive(key, value);
            if (heads % value != 0) {
                throw invalid(key, value, "does not divide the " + heads + " query heads");
            }
            if ((long) heads * headDim > Integer.MAX_VALUE) {
                throw invalid("head count x head size", (long) heads * headDim, "is too large");
            }
            return value;
        }

        int ropeDimensions(String key, int value, int headDim) {
            if (value <= 0 || value % 2 != 0 || value > headDim) {
                throw invalid(key, value, "must be even and between 2 and the head size " + headDim);
            }
            return value;
        }

        private ModelFormatException invalid(String key, Object value, String why) {
            return new ModelFormatException(source + ": " + key + " = " + value + " " + why);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }

    /** Typed access to a config.json object, with errors that name the key. */
    private record HfConfig(Map<String, Object> json, String source) {
        boolean has(String key) {
            return json.get(key) != null;
        }

        Object raw(String key) {
            return json.get(key);
        }

        String string(String key) {
            if (!(json.get(key) instanceof String value)) {
                throw new ModelFormatException(source + ": " + Quote.of(key) + " is missing or not a string");
            }
            return value;
        }

        double number(String key) {
            if (!(json.get(key) instanceof Number value)) {
                throw new ModelFormatException(source + ": " + Quote.of(key) + " is missing or not a number");
            }
            return value.doubleValue();
        }

        int integer(String key) {
            double value = number(key);
            if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
                throw new ModelFormatException(source + ": " + Quote.of(key) + " should be an integer, got " + value);
            }
            return (int) value;
        }
    }
}
