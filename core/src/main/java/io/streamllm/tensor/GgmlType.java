package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.List;

/**
 * The tensor element types of the GGUF format: the one table of what streamllm knows about each, as
 * ggml's type traits. A type is stored in blocks of {@code blockSize} elements taking
 * {@code blockBytes} bytes. A type with kernels names its {@link WeightMatrix} class's constructor
 * (the matrix factory) and, when streamllm can write it, that class's {@code quantizeBlock}. The
 * types without kernels are listed so that a file using them gets a precise error instead of
 * "unknown id".
 *
 * <p>Adding a type is one class and one line here: {@code final class Q4_KMatrix extends WeightMatrix}
 * with a constructor {@code (MemorySegment data, int rows, int cols)} and
 * {@code static void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset)}, then
 * {@code Q4_K(12, 256, 144, Q4_KMatrix::new, Q4_KMatrix::quantizeBlock)}. {@link WeightMatrix#of},
 * {@link Quantizer}, the model loader's error message, {@code synth --type} and the kernel tests all read
 * this table.
 */
public enum GgmlType {
    F32(0, 1, 4, F32Matrix::new, F32Matrix::quantizeBlock),
    F16(1, 1, 2, F16Matrix::new, F16Matrix::quantizeBlock),
    Q4_0(2, 32, 2 + 16, Q4_0Matrix::new, Q4_0Matrix::quantizeBlock),
    Q4_1(3, 32, 2 + 2 + 16, Q4_1Matrix::new, Q4_1Matrix::quantizeBlock),
    Q5_0(6, 32, 2 + 4 + 16, Q5_0Matrix::new, Q5_0Matrix::quantizeBlock),
    Q5_1(7, 32, 2 + 2 + 4 + 16),
    Q8_0(8, 32, 2 + 32, Q8_0Matrix::new, Q8_0Matrix::quantizeBlock),
    Q8_1(9, 32, 4 + 32),
    Q2_K(10, 256, 84, Q2_KMatrix::new, Q2_KMatrix::quantizeBlock),
    Q3_K(11, 256, 110, Q3_KMatrix::new, Q3_KMatrix::quantizeBlock),
    Q4_K(12, 256, 144, Q4_KMatrix::new, Q4_KMatrix::quantizeBlock),
    Q5_K(13, 256, 176, Q5_KMatrix::new, Q5_KMatrix::quantizeBlock),
    Q6_K(14, 256, 210, Q6_KMatrix::new, Q6_KMatrix::quantizeBlock),
    Q8_K(15, 256, 292),
    IQ2_XXS(16, 256, 66),
    IQ2_XS(17, 256, 74),
    IQ3_XXS(18, 256, 98),
    IQ1_S(19, 256, 50),
    IQ4_NL(20, 32, 18),
    IQ3_S(21, 256, 110),
    IQ2_S(22, 256, 82),
    IQ4_XS(23, 256, 136, IQ4_XSMatrix::new, IQ4_XSMatrix::quantizeBlock),
    I8(24, 1, 1),
    I16(25, 1, 2),
    I32(26, 1, 4),
    I64(27, 1, 8),
    F64(28, 1, 8),
    IQ1_M(29, 256, 56),
    BF16(30, 1, 2, BF16Matrix::new, BF16Matrix::quantizeBlock),
    TQ1_0(34, 256, 54),
    TQ2_0(35, 256, 66);

    /** Makes the matrix view of a type: a {@link WeightMatrix} subclass's constructor. */
    @FunctionalInterface
    interface MatrixFactory {
        WeightMatrix create(MemorySegment data, int rows, int cols);
    }

    /** Writes one block: {@code blockSize} floats from {@code src[srcOffset]} as {@code blockBytes} at {@code dst[dstOffset]}. */
    @FunctionalInterface
    interface BlockQuantizer {
        void quantizeBlock(float[] src, int srcOffset, MemorySegment dst, long dstOffset);
    }

    private final int id;
    private final int blockSize;
    private final int blockBytes;
    private final MatrixFactory factory;
    private final BlockQuantizer quantizer;

    /** A type streamllm has no kernels for. */
    GgmlType(int id, int blockSize, int blockBytes) {
        this(id, blockSize, blockBytes, null, null);
    }

    GgmlType(int id, int blockSize, int blockBytes, MatrixFactory factory, BlockQuantizer quantizer) {
        this.id = id;
        this.blockSize = blockSize;
        this.blockBytes = blockBytes;
        this.factory = factory;
        this.quantizer = quantizer;
    }

    /** The GGUF type id. */
    public int id() {
        return id;
    }

    /** Elements per block. */
    public int blockSize() {
        return blockSize;
    }

    /** Bytes per block. */
    public int blockBytes() {
        return blockBytes;
    }

    /** Whether streamllm has kernels for this type. */
    public boolean supported() {
        return factory != null;
    }

    /** Whether streamllm can write this type ({@link Quantizer}). */
    public boolean writable() {
        return quantizer != null;
    }

    /** The matrix factory, or null when the type has no kernels. */
    MatrixFactory factory() {
        return factory;
    }

    /** The block quantizer, or null when streamllm cannot write the type. */
    BlockQuantizer quantizer() {
        return quantizer;
    }

    /** Bytes taken by {@code elements} elements; {@code elements} must be a multiple of the block size. */
    public long bytesFor(long elements) {
        if (elements % blockSize != 0) {
            throw new IllegalArgumentException(
                    this + " stores blocks of " + blockSize + " elements; " + elements + " is not a multiple");
        }
        return elements / blockSize * blockBytes;
    }

    /** The type with GGUF id {@code id}, or null when the id is not a ggml type at all. */
    public static GgmlType byId(int id) {
        for (GgmlType type : values()) {
            if (type.id == id) {
                return type;
            }
        }
        return null;
    }

    /** The types with kernels, in table order. */
    public static List<GgmlType> supportedTypes() {
        return Arrays.stream(values()).filter(GgmlType::supported).toList();
    }

    /** The types streamllm can write, in table order. */
    public static List<GgmlType> writableTypes() {
        return Arrays.stream(values()).filter(GgmlType::writable).toList();
    }

    /** The supported types' names for messages: "F32, F16, Q4_0, ...". */
    public static String supportedNames() {
        return String.join(", ", supportedTypes().stream().map(GgmlType::name).toList());
    }
}
