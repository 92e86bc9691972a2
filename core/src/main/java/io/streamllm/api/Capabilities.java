package io.streamllm.api;

import io.streamllm.model.Architectures;
import io.streamllm.tensor.GgmlType;

import java.util.List;

/** What this build of streamllm runs: the architectures and tensor types {@link StreamingModel#load} accepts. */
public final class Capabilities {
    private Capabilities() {
    }

    /**
     * An architecture streamllm implements.
     *
     * @param ggufName     its GGUF {@code general.architecture}
     * @param hfModelTypes the Hugging Face {@code model_type}s it loads; empty when it reads GGUF files only
     * @param description  what it adds to the Llama family
     */
    public record Architecture(String ggufName, List<String> hfModelTypes, String description) {
        /** Copies the list. */
        public Architecture {
            hfModelTypes = List.copyOf(hfModelTypes);
        }
    }

    /** {@return every architecture, in the order the loader tries them} */
    public static List<Architecture> architectures() {
        return Architectures.all().stream()
                .map(a -> new Architecture(a.ggufName(), a.hfModelTypes(), a.description()))
                .toList();
    }

    /** {@return the GGUF tensor types with kernels, by their ggml names (F32, F16, Q8_0, Q4_K, ...)} */
    public static List<String> tensorTypes() {
        return GgmlType.supportedTypes().stream().map(GgmlType::name).toList();
    }
}
