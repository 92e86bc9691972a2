package io.streamllm.fuzz;

import io.streamllm.server.SnapshotFuzzTarget;
import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Every fuzz target by name, and where their corpus lives. */
final class FuzzTargets {
    static final List<String> NAMES = List.of("gguf", "safetensors", "tokenizer-json", "config-json", "tokenizers",
            "chat-template", "request", "snapshot");

    private FuzzTargets() {
    }

    /** The corpus: one folder per target, holding seeds and the inputs of past findings. */
    static Path corpusRoot() {
        return References.repositoryRoot().resolve("server/src/test/resources/fuzz");
    }

    static FuzzTarget create(String name) throws IOException {
        return switch (name) {
            case "gguf" -> new ModelFileTargets.Gguf();
            case "safetensors" -> new ModelFileTargets.Safetensors();
            case "tokenizer-json" -> new ModelFileTargets.TokenizerJson();
            case "config-json" -> new ModelFileTargets.ConfigJson();
            case "tokenizers" -> new TextTargets.TokenizerRoundTrip();
            case "chat-template" -> new TextTargets.ChatTemplate();
            case "request" -> new TextTargets.Request();
            case "snapshot" -> new Snapshot(new SnapshotFuzzTarget());
            default -> throw new IllegalArgumentException("unknown fuzz target '" + name + "' (known: " + String.join(", ", NAMES) + ")");
        };
    }

    /** The snapshot target lives next to the package-private SnapshotFile; this adapts it. */
    private record Snapshot(SnapshotFuzzTarget target) implements FuzzTarget {
        Snapshot(SnapshotFuzzTarget target) {
            this.target = target;
        }

        @Override
        public String name() {
            return "snapshot";
        }

        @Override
        public List<byte[]> seeds() throws IOException {
            return target.seeds();
        }

        @Override
        public void run(byte[] input) throws IOException {
            target.run(input);
        }

        @Override
        public boolean isDocumented(Throwable error) {
            return error instanceof IOException;
        }

        @Override
        public void close() throws IOException {
            target.close();
        }
    }
}
