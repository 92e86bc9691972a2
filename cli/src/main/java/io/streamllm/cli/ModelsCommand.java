package io.streamllm.cli;

import io.streamllm.model.Architecture;
import io.streamllm.model.Architectures;
import io.streamllm.tensor.GgmlType;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Lists the architectures (GGUF general.architecture, Hugging Face model_type) and tensor types this build runs.")
final class ModelsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.println("architectures (GGUF name / Hugging Face model_type: what it adds):");
        for (Architecture a : Architectures.all()) {
            String types = a.hfModelTypes().isEmpty() ? "GGUF only" : String.join(", ", a.hfModelTypes());
            System.out.println("  " + a.ggufName() + " / " + types + ": " + a.description());
        }
        System.out.println("tensor types: " + GgmlType.supportedNames());
        return 0;
    }
}
