package io.streamllm.cli;

import io.streamllm.api.Capabilities;
import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "models", mixinStandardHelpOptions = true,
        description = "Lists the architectures (GGUF general.architecture, Hugging Face model_type) and tensor types this build runs.")
final class ModelsCommand implements Callable<Integer> {

    @Override
    public Integer call() {
        System.out.println("architectures (GGUF name / Hugging Face model_type: what it adds):");
        for (Capabilities.Architecture a : Capabilities.architectures()) {
            String types = a.hfModelTypes().isEmpty() ? "GGUF only" : String.join(", ", a.hfModelTypes());
            System.out.println("  " + a.ggufName() + " / " + types + ": " + a.description());
        }
        System.out.println("tensor types: " + String.join(", ", Capabilities.tensorTypes()));
        return 0;
    }
}
