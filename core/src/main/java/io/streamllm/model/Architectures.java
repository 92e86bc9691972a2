package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.api.UnsupportedArchitectureException;
import io.streamllm.model.arch.Falcon;
import io.streamllm.model.arch.Gemma2;
import io.streamllm.model.arch.GptNeoX;
import io.streamllm.model.arch.Llama;
import io.streamllm.model.arch.Mistral;
import io.streamllm.model.arch.Mpt;
import io.streamllm.model.arch.Phi3;
import io.streamllm.model.arch.Qwen2;
import io.streamllm.model.arch.Qwen3;
import io.streamllm.util.Quote;

import java.util.ArrayList;
import java.util.List;

/** The architectures this engine runs. Adding one is a line here and a file in {@code io.streamllm.model.arch}. */
public final class Architectures {
    private static final List<Architecture> ALL = List.of(
            new Llama(),
            new Qwen2(),
            new Qwen3(),
            new Mistral(),
            new Phi3(),
            new Gemma2(),
            new GptNeoX(),
            new Falcon(),
            new Mpt());

    private Architectures() {
    }

    public static List<Architecture> all() {
        return ALL;
    }

    /** The architecture of a GGUF file's {@code general.architecture}, or an error listing the supported ones. */
    public static Architecture forGguf(String name, String source) {
        for (Architecture a : ALL) {
            if (a.ggufName().equals(name)) {
                return a;
            }
        }
        throw new UnsupportedArchitectureException(source + ": unsupported architecture " + Quote.of(name)
                + " (supported: " + String.join(", ", ggufNames()) + ")");
    }

    /** The architecture of a config.json's {@code model_type}, or an error listing the supported ones. */
    public static Architecture forHuggingFace(String modelType, String source) {
        for (Architecture a : ALL) {
            if (a.hfModelTypes().contains(modelType)) {
                return a;
            }
        }
        throw new UnsupportedArchitectureException(source + ": unsupported model_type " + Quote.of(modelType)
                + " (supported: " + String.join(", ", hfModelTypes()) + ")");
    }

    public static List<String> ggufNames() {
        return ALL.stream().map(Architecture::ggufName).toList();
    }

    public static List<String> hfModelTypes() {
        List<String> types = new ArrayList<>();
        ALL.forEach(a -> types.addAll(a.hfModelTypes()));
        return types;
    }
}
