package io.streamllm.hf;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A Hugging Face model directory: config.json, one model.safetensors or shards listed in
 * model.safetensors.index.json, and tokenizer files. Its tensors are offered under GGUF names.
 */
public final class HfModelDirectory implements TensorStore {

    private final Path directory;
    private final Map<String, Object> config;
    private final List<SafetensorsFile> files;
    private final Map<String, TensorView> tensors;

    private HfModelDirectory(Path directory, Map<String, Object> config, List<SafetensorsFile> files,
                             Map<String, TensorView> tensors) {
        this.directory = directory;
        this.config = config;
        this.files = files;
        this.tensors = tensors;
    }

    /** Whether {@code path} looks like a Hugging Face model directory. */
    public static boolean isModelDirectory(Path path) {
        return Files.isDirectory(path) && Files.isRegularFile(path.resolve("config.json"));
    }

    /** Opens a directory of the Llama family's tensor names. */
    public static HfModelDirectory open(Path directory) {
        return open(directory, HfTensorNames.LLAMA);
    }

    /** Opens a directory, naming its tensors as llama.cpp does through {@code names}. */
    public static HfModelDirectory open(Path directory, HfTensorNames names) {
        if (!Files.isDirectory(directory)) {
            throw new ModelFormatException(directory + ": no such directory");
        }
        Map<String, Object> config = readJson(directory.resolve("config.json"));
        List<Path> shards = shardPaths(directory);
        List<SafetensorsFile> files = new ArrayList<>();
        Map<String, TensorView> tensors = new LinkedHashMap<>();
        try {
            for (Path shard : shards) {
                SafetensorsFile file = SafetensorsFile.open(shard);
                files.add(file);
                for (TensorView view : file.tensors().values()) {
                    // RoPE's inverse frequencies, saved by older checkpoints, are derived from the config, not weights.
                    if (!view.name().endsWith("rotary_emb.inv_freq")) {
                        String name = names.gguf(view.name());
                        tensors.put(name, new TensorView(name, view.type(), view.shape(), view.data()));
                    }
                }
            }
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
        // Tied embeddings are sometimes stored only as the LM head.
        if (!tensors.containsKey("token_embd.weight") && tensors.containsKey("output.weight")) {
            TensorView head = tensors.get("output.weight");
            tensors.put("token_embd.weight", new TensorView("token_embd.weight", head.type(), head.shape(), head.data()));
        }
        if (Boolean.TRUE.equals(config.get("tie_word_embeddings"))) {
            tensors.remove("output.weight");
        }
        return new HfModelDirectory(directory, config, files, tensors);
    }

    private static List<Path> shardPaths(Path directory) {
        Path single = directory.resolve("model.safetensors");
        Path index = directory.resolve("model.safetensors.index.json");
        if (Files.isRegularFile(index)) {
            Map<String, Object> json = readJson(index);
            if (!(json.get("weight_map") instanceof Map<?, ?> weightMap)) {
                throw new ModelFormatException(index + ": no weight_map");
            }
            Set<String> names = new TreeSet<>();
            for (Object file : weightMap.values()) {
                names.add(String.valueOf(file));
            }
            List<Path> paths = new ArrayList<>();
            for (String name : names) {
                Path shard = directory.resolve(name).normalize();
                if (!shard.startsWith(directory.normalize()) || !Files.isRegularFile(shard)) {
                    throw new ModelFormatException(index + ": shard " + Quote.of(name) + " is missing");
                }
                paths.add(shard);
            }
            return paths;
        }
        if (Files.isRegularFile(single)) {
            return List.of(single);
        }
        if (Files.isRegularFile(directory.resolve("pytorch_model.bin"))) {
            throw new ModelFormatException(directory + ": holds a PyTorch .bin checkpoint; streamllm reads safetensors "
                    + "(convert it, or use a GGUF file)");
        }
        throw new ModelFormatException(directory + ": no model.safetensors or model.safetensors.index.json");
    }

    /** Reads a JSON object file of this directory, or fails naming the file. */
    public static Map<String, Object> readJson(Path file) {
        try {
            return Json.parseObject(Files.readString(file));
        } catch (java.nio.file.NoSuchFileException e) {
            throw new ModelFormatException(file + ": missing");
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": " + e.getMessage());
        }
    }

    public Path directory() {
        return directory;
    }

    /** The parsed config.json. */
    public Map<String, Object> config() {
        return config;
    }

    @Override
    public String source() {
        return directory.toString();
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorView find(String name) {
        return tensors.get(name);
    }

    @Override
    public void checkUnchanged() {
        files.forEach(SafetensorsFile::checkUnchanged);
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
