package io.streamllm.cli;

import io.streamllm.gguf.SyntheticModel;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
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

    @Option(names = "--type", required = true, paramLabel = "TYPE", description = "F32, F16, BF16, Q8_0 or Q4_0")
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
        SyntheticModel.Shape s = SyntheticModel.shape(shape);
        GgmlType t = parseType(type);
        long approxBytes = t.bytesFor(s.parameterCount() / t.blockSize() * t.blockSize());
        Console.status(String.format("writing %s: %s, %.2f B parameters, ~%s", output, s.name(),
                s.parameterCount() / 1e9, Console.bytes(approxBytes)));
        Console.Progress progress = new Console.Progress("synth " + s.name() + " " + t, approxBytes);
        long start = System.nanoTime();
        SyntheticModel.write(s, t, output, seed, Parallel.common(), progress::update);
        progress.done();
        Console.status(String.format("wrote %s in %.1f s", output, (System.nanoTime() - start) / 1e9));
        return 0;
    }

    static GgmlType parseType(String name) {
        for (GgmlType t : SyntheticModel.TYPES) {
            if (t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown tensor type '" + name + "' (supported: " + SyntheticModel.TYPES + ")");
    }
}
