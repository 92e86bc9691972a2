package io.streamllm.api;

import io.streamllm.gguf.SyntheticModel;
import io.streamllm.gguf.WeightMix;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;

import java.nio.file.Path;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A random-weight GGUF model of a real shape, for speed work: the weights of a large model need not be downloaded
 * to measure it, since for speed only the shapes and tensor types matter. The file uses llama.cpp's tensor names
 * and metadata, so llama.cpp loads it too.
 *
 * @param shape            the shape's name, one of {@link #shapes()}
 * @param weightType       the weight matrices' type or llama.cpp's mix, one of {@link #weightTypes()}
 * @param parameters       weights in the model
 * @param approximateBytes about the size of the file (a mix's larger matrices make it somewhat bigger)
 */
public record SyntheticModelSpec(String shape, String weightType, long parameters, long approximateBytes) {

    /** Checks the names against {@link #shapes()} and {@link #weightTypes()}. */
    public SyntheticModelSpec {
        checkedShape(shape);
        mix(weightType);
    }

    /**
     * The model of shape {@code shape} with weights of {@code weightType} (any case).
     *
     * @param shape      one of {@link #shapes()}
     * @param weightType one of {@link #weightTypes()}
     * @return the specification
     *
     * @throws InvalidSettingException naming the known shapes or types when one is unknown
     */
    public static SyntheticModelSpec of(String shape, String weightType) {
        SyntheticModel.Shape s = checkedShape(shape);
        WeightMix mix = mix(weightType);
        GgmlType base = mix.base();
        long parameters = s.parameterCount();
        return new SyntheticModelSpec(s.name(), mix.name(), parameters,
                base.bytesFor(parameters / base.blockSize() * base.blockSize()));
    }

    /** {@return the shapes: {@code llama-1b} (Llama-3.2-1B's dimensions), {@code llama-100m}, {@code qwen2-0.5b}, {@code tiny}} */
    public static List<String> shapes() {
        return SyntheticModel.SHAPES.stream().map(SyntheticModel.Shape::name).toList();
    }

    /** {@return the weight types: every tensor type with kernels and a quantizer, then llama.cpp's Q4_K_M and Q5_K_M} */
    public static List<String> weightTypes() {
        return WeightMix.names();
    }

    /**
     * Writes the model to {@code file}, with random weights drawn from {@code seed} (the same seed, the same file),
     * on one thread per core.
     *
     * @param file         where to write the GGUF file
     * @param seed         the random seed of the weights
     * @param bytesWritten told the bytes of tensor data written so far, as they grow (for a progress bar)
     */
    public void write(Path file, long seed, LongConsumer bytesWritten) {
        try (Parallel pool = Parallel.create(ModelOptions.defaults().threads())) {
            SyntheticModel.write(SyntheticModel.shape(shape), mix(weightType), file, seed, pool, bytesWritten);
        }
    }

    private static SyntheticModel.Shape checkedShape(String name) {
        try {
            return SyntheticModel.shape(name);
        } catch (StreamllmException e) {
            throw new InvalidSettingException(e.getMessage());
        }
    }

    private static WeightMix mix(String name) {
        try {
            return WeightMix.parse(name);
        } catch (StreamllmException e) {
            throw new InvalidSettingException(e.getMessage());
        }
    }
}
