package io.streamllm.fuzz;

import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.SyntheticModel;
import io.streamllm.hf.SafetensorsFile;
import io.streamllm.gguf.GgufFile;
import io.streamllm.hf.HfModelDirectory;
import io.streamllm.model.ModelAssembly;
import io.streamllm.tensor.GgmlType;
import io.streamllm.api.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;
import io.streamllm.testing.TestPool;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The model-file readers: GGUF, safetensors, tokenizer.json and config.json. Their documented error is ModelFormatException. */
final class ModelFileTargets {
    /** Text that exercises a tokenizer just loaded: words, digits, a special token's text, non-ASCII. */
    private static final String SAMPLE = "Once upon a time, Tom saw 42 birds <|end_story|> </s> naïve 日本 🙂";

    private ModelFileTargets() {
    }

    /** A loaded model file is used the way generation starts: its tokenizer encodes and decodes text. */
    private static void exercise(Tokenizer tokenizer) {
        int[] ids = tokenizer.encode(SAMPLE, true, true);
        tokenizer.decode(ids);
    }

    private abstract static class ModelFileTarget implements FuzzTarget {
        final ScratchFile scratch = new ScratchFile("fuzz-" + name());

        @Override
        public boolean isDocumented(Throwable error) {
            return error instanceof ModelFormatException;
        }

        @Override
        public void close() throws IOException {
            scratch.close();
        }
    }

    /** A GGUF file: open, validate, build the configuration, bind the weights, load the tokenizer. */
    static final class Gguf extends ModelFileTarget {
        private static final List<SyntheticModel.Shape> SHAPES = List.of(
                new SyntheticModel.Shape("micro-llama", "llama", 32, 1, 4, 2, 32, 300, 64, 10000f, false, false, false),
                new SyntheticModel.Shape("micro-qwen2", "qwen2", 32, 1, 2, 1, 32, 300, 64, 1000000f, true, true, false),
                new SyntheticModel.Shape("micro-llama3", "llama", 32, 2, 2, 1, 64, 300, 128, 500000f, true, false, true));
        private static final List<GgmlType> TYPES = List.of(GgmlType.Q8_0, GgmlType.F16, GgmlType.Q4_0);

        @Override
        public String name() {
            return "gguf";
        }

        @Override
        public List<byte[]> seeds() throws IOException {
            List<byte[]> seeds = new ArrayList<>();
            for (int i = 0; i < SHAPES.size(); i++) {
                Path file = scratch.folder().resolve("seed.gguf");
                SyntheticModel.write(SHAPES.get(i), TYPES.get(i), file, i, TestPool.shared(), bytes -> { });
                seeds.add(Files.readAllBytes(file));
            }
            return seeds;
        }

        @Override
        public void run(byte[] input) {
            try (GgufFile file = GgufFile.read("fuzz.gguf", MemorySegment.ofArray(input))) {
                exercise(ModelAssembly.assemble(file, TestPool.shared()));
            }
        }
    }

    /** A safetensors file: the header, then every tensor read as a matrix. */
    static final class Safetensors extends ModelFileTarget {
        @Override
        public String name() {
            return "safetensors";
        }

        @Override
        public List<byte[]> seeds() {
            return List.of();
        }

        @Override
        public void run(byte[] input) {
            try (SafetensorsFile file = SafetensorsFile.read("fuzz.safetensors", MemorySegment.ofArray(input))) {
                for (TensorView view : file.tensors().values()) {
                    if (view.elementCount() <= 4096) {
                        view.floats();
                    } else {
                        view.matrix();
                    }
                }
            }
        }
    }

    /** A Hugging Face directory whose one file is the input; the other files come from a micro model. */
    private abstract static class HfDirectoryTarget extends ModelFileTarget {
        private final String file;

        HfDirectoryTarget(String file) {
            this.file = file;
            try {
                for (String name : List.of("config.json", "tokenizer.json", "tokenizer_config.json",
                        "generation_config.json", "special_tokens_map.json", "model.safetensors")) {
                    Files.copy(FuzzTargets.corpusRoot().resolve("hf-model").resolve(name), scratch.folder().resolve(name));
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        @Override
        public List<byte[]> seeds() {
            return List.of();
        }

        @Override
        public void run(byte[] input) throws IOException {
            scratch.write(file, input);
            load(scratch.folder());
        }

        abstract void load(Path directory);
    }

    /** tokenizer.json (with the micro model's other tokenizer files): load, encode, decode. */
    static final class TokenizerJson extends HfDirectoryTarget {
        TokenizerJson() {
            super("tokenizer.json");
        }

        @Override
        public String name() {
            return "tokenizer-json";
        }

        @Override
        public List<String> dictionary() {
            return JsonDictionary.TOKENS;
        }

        @Override
        void load(Path directory) {
            exercise(Tokenizers.fromHuggingFace(directory));
        }
    }

    /** config.json of a micro Hugging Face model: the configuration is read and the micro model's weights bound to it. */
    static final class ConfigJson extends HfDirectoryTarget {
        private final HfModelDirectory weights = HfModelDirectory.open(FuzzTargets.corpusRoot().resolve("hf-model"));

        ConfigJson() {
            super("config.json");
        }

        @Override
        public String name() {
            return "config-json";
        }

        @Override
        public List<String> dictionary() {
            return JsonDictionary.TOKENS;
        }

        @Override
        void load(Path directory) {
            ModelAssembly.assemble(HfModelDirectory.readJson(directory.resolve("config.json")), weights, TestPool.shared());
        }

        @Override
        public void close() throws IOException {
            weights.close();
            super.close();
        }
    }
}
