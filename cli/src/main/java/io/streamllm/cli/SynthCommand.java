package io.streamllm.cli;

import io.streamllm.api.SyntheticModelSpec;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

@Command(name = "synth", mixinStandardHelpOptions = true,
        description = "Writes a random-weight GGUF model of a real shape, for benchmarks.")
final class SynthCommand implements Callable<Integer> {

    @Option(names = "--shape", required = true, paramLabel = "NAME",
            description = "llama-1b (Llama-3.2-1B dimensions), llama-100m, qwen2-0.5b or tiny")
    String shape;

    @Option(names = "--type", required = true, paramLabel = "TYPE",
            description = "a tensor type (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q5_K, Q6_K, ...) or llama.cpp's mix Q4_K_M or Q5_K_M;"
                    + " an unknown name lists them all")
    String type;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "FILE", description = "the .gguf file to write")
    Path output;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default: ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() {
        if (Files.isDirectory(output)) {
            throw new IllegalArgumentException("-o " + output + " is a directory; give the .gguf file to write, e.g. "
                    + output.resolve(shape + "-" + type.toLowerCase(Locale.ROOT) + ".gguf"));
        }
        SyntheticModelSpec model = SyntheticModelSpec.of(shape, type);
        Console.status(String.format("writing %s: %s, %.2f B parameters, ~%s", output, model.shape(),
                model.parameters() / 1e9, Console.bytes(model.approximateBytes())));
        Console.Progress progress = new Console.Progress("synth " + model.shape() + " " + model.weightType(),
                model.approximateBytes());
        long start = System.nanoTime();
        model.write(output, seed, progress::update);
        progress.done();
        Console.status(String.format("wrote %s in %.1f s", output, (System.nanoTime() - start) / 1e9));
        return 0;
    }
}
