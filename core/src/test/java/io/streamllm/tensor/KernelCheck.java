package io.streamllm.tensor;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Checks the vector kernels of a type against a plain scalar reference: {@link WeightMatrix#dequantizeRow}
 * and a double-precision loop. Shared by {@link WeightMatrixKernelTest} and by the forked JVMs of
 * {@link NarrowVectorKernelTest}, which run {@link #main} with narrower vectors.
 */
final class KernelCheck {
    /**
     * Allowed |kernel - reference| relative to sum |w*x|. The kernels and the reference use the same
     * dequantized weights (d*q rounds the same way in both), so the only difference is float versus
     * double accumulation: a few ulps of float per accumulated term, far below 1e-5.
     */
    static final double TOLERANCE = 1e-5;

    /** Every type with kernels that streamllm can also write (the test quantizes random weights). */
    static final GgmlType[] TYPES = GgmlType.writableTypes().toArray(GgmlType[]::new);
    /** Column counts for the per-element types: around vector lengths 4, 8, 16 and their multiples. */
    static final int[] FLOAT_COLS = {1, 3, 4, 7, 8, 15, 16, 17, 31, 33, 63, 64, 65, 100, 257, 1000, 2053};
    /** Blocks per row for the block types (odd counts included), as long as a row stays within {@link #MAX_BLOCK_COLS}. */
    static final int[] BLOCKS = {1, 2, 3, 5, 7, 9, 33, 65};
    static final int MAX_BLOCK_COLS = 2080;
    static final int[] ROWS = {1, 2, 3, 7, 34};
    /**
     * Batches for the per-type tiles (1, 3) and for {@link PanelGemm} (from its minimum batch on): whole
     * and partial groups of its 8, 16 or 32 inputs.
     */
    static final int[] BATCHES = {1, 3, PanelGemm.MIN_BATCH, 17, 40, 64};
    /**
     * A matrix larger than a row block of {@link WeightMatrix#matmulRows} and than a panel of
     * {@link PanelGemm} for every type, with a partial last panel, tile and column block.
     */
    static final int LARGE_ROWS = 1031;
    /** Batches for the large matrix: decode, the tiles, and PanelGemm with a partial group. */
    static final int[] LARGE_BATCHES = {1, 3, 37};
    /** Batches for {@link #checkRandomBlocks}: decode, a tile and the panel path. */
    static final int[] RANDOM_BLOCK_BATCHES = {1, 3, PanelGemm.MIN_BATCH + 1};

    /** About 1056 columns, rounded up to whole blocks. */
    static int largeCols(GgmlType type) {
        return (1056 + type.blockSize() - 1) / type.blockSize() * type.blockSize();
    }

    private KernelCheck() {
    }

    static int[] colsFor(GgmlType type) {
        if (type.blockSize() == 1) {
            return FLOAT_COLS;
        }
        return java.util.Arrays.stream(BLOCKS).map(b -> b * type.blockSize()).filter(c -> c <= MAX_BLOCK_COLS).toArray();
    }

    /** Gaussian floats, with a few larger ones so that blocks have different scales. */
    static float[] randomFloats(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * (random.nextInt(8) == 0 ? 4 : 1));
        }
        return values;
    }

    /**
     * {@code weights} quantized to {@code type} in native memory at an odd address, as a matrix:
     * tensors in a mapped file need not be aligned, and the kernels must not assume they are.
     */
    static WeightMatrix matrix(GgmlType type, float[] weights, int rows, int cols) {
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment segment = Arena.ofAuto().allocate(bytes + 1).asSlice(1, bytes);
        Quantizer.quantize(type, weights, 0, rows * cols, segment, 0);
        return WeightMatrix.of(type, segment, rows, cols);
    }

    /** Reference results and the magnitude sum |w*x| for each (input, row), in out's layout. */
    record Reference(double[] value, double[] magnitude) {
    }

    static Reference reference(WeightMatrix m, float[] x, int batch) {
        int rows = m.rows(), cols = m.cols();
        double[] value = new double[batch * rows];
        double[] magnitude = new double[batch * rows];
        float[] w = new float[cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, w, 0);
            for (int b = 0; b < batch; b++) {
                double s = 0, a = 0;
                for (int i = 0; i < cols; i++) {
                    double p = (double) w[i] * x[b * cols + i];
                    s += p;
                    a += Math.abs(p);
                }
                value[b * rows + r] = s;
                magnitude[b * rows + r] = a;
            }
        }
        return new Reference(value, magnitude);
    }

    /** Runs dot, matmulRows (whole and in sub-ranges) and matmul on a pool; returns the mismatches. */
    static List<String> check(GgmlType type, int rows, int cols, int batch, long seed, Parallel pool) {
        Random random = new Random(seed);
        WeightMatrix m = matrix(type, randomFloats(random, rows * cols), rows, cols);
        return check(m, randomFloats(random, batch * cols), batch, pool, type + " " + rows + "x" + cols + " batch " + batch);
    }

    /**
     * Byte offsets of the f16 fields (scales d, mins dmin) in a block, for the types whose kernels are
     * also checked on blocks of random bytes ({@link #checkRandomBlocks}).
     */
    static final Map<GgmlType, int[]> HALF_FIELDS = Map.of(
            GgmlType.Q8_0, new int[] {0},
            GgmlType.Q4_0, new int[] {0},
            GgmlType.Q4_K, new int[] {0, 2},
            GgmlType.Q5_K, new int[] {0, 2},
            GgmlType.Q6_K, new int[] {208},
            GgmlType.Q2_K, new int[] {80, 82},
            GgmlType.Q3_K, new int[] {108},
            GgmlType.IQ4_XS, new int[] {0},
            GgmlType.Q4_1, new int[] {0, 2},
            GgmlType.Q5_0, new int[] {0});
    /** f16 values the random blocks' scales are drawn from besides random ones: the largest, subnormals, zero, negatives. */
    private static final float[] EXTREME_HALVES = {0f, 65504f, -65504f, 0x1p-24f, 0x1p-14f, -0x1p-20f, 1f, -3f, 1e-3f, 1000f};

    /**
     * Blocks of random bytes (every scale, min and code equally likely, including codes a quantizer
     * never writes) whose f16 fields are drawn from {@link #EXTREME_HALVES} or random finite values:
     * the kernels must still agree with the scalar twin.
     */
    static List<String> checkRandomBlocks(GgmlType type, int rows, int cols, int batch, long seed, Parallel pool) {
        Random random = new Random(seed);
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment segment = Arena.ofAuto().allocate(bytes + 1).asSlice(1, bytes);
        byte[] noise = new byte[(int) bytes];
        random.nextBytes(noise);
        MemorySegment.copy(noise, 0, segment, ValueLayout.JAVA_BYTE, 0, noise.length);
        for (long block = 0; block < bytes; block += type.blockBytes()) {
            for (int field : HALF_FIELDS.get(type)) {
                float value = random.nextBoolean()
                        ? EXTREME_HALVES[random.nextInt(EXTREME_HALVES.length)]
                        : (float) (random.nextGaussian() * Math.pow(10, random.nextInt(7) - 4));
                segment.set(F16_LE, block + field, Float.floatToFloat16(value));
            }
        }
        WeightMatrix m = WeightMatrix.of(type, segment, rows, cols);
        return check(m, randomFloats(random, batch * cols), batch, pool,
                type + " random blocks " + rows + "x" + cols + " batch " + batch);
    }

    private static final ValueLayout.OfShort F16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** The checks of {@link #check(GgmlType, int, int, int, long, Parallel)} on a given matrix and inputs. */
    static List<String> check(WeightMatrix m, float[] x, int batch, Parallel pool, String where) {
        int rows = m.rows(), cols = m.cols();
        Reference ref = reference(m, x, batch);
        List<String> failures = new ArrayList<>();
        checkDequantizeRows(m, where, failures);
        if (batch == 1) {
            checkMatvec(m, x, ref, new Random(31L * rows + cols), pool, where, failures);
        }

        float[] out = new float[batch * rows];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                out[b * rows + r] = m.dot(r, x, b * cols);
            }
        }
        compare(where + " dot", out, ref, failures);

        out = new float[batch * rows];
        m.matmulRows(x, batch, out, 0, rows);
        compare(where + " matmulRows", out, ref, failures);

        // Ranges starting at odd rows, as a thread may get: tiles must not assume even starts.
        out = new float[batch * rows];
        int split = rows / 2 | 1;
        m.matmulRows(x, batch, out, 0, Math.min(split, rows));
        m.matmulRows(x, batch, out, Math.min(split, rows), rows);
        compare(where + " matmulRows split at " + split, out, ref, failures);

        out = new float[batch * rows];
        m.matmul(x, batch, out, pool);
        compare(where + " matmul on " + pool.threads() + " threads", out, ref, failures);
        return failures;
    }

    /**
     * The vector {@link WeightMatrix#dequantizeRows} must give the scalar rows' values exactly, at any start and
     * offset (a zero's sign may differ: a vector decode may compute d * 0 where the scalar one computes 0 * -d).
     */
    private static void checkDequantizeRows(WeightMatrix m, String where, List<String> failures) {
        int rows = m.rows();
        int cols = m.cols();
        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, expected, r * cols);
        }
        int start = rows / 3;
        int offset = 5;
        float[] actual = new float[offset + (rows - start) * cols];
        m.dequantizeRows(start, rows - start, actual, offset);
        for (int i = 0; i < (rows - start) * cols; i++) {
            float want = expected[start * cols + i];
            float got = actual[offset + i];
            if (got != want && !(Float.isNaN(got) && Float.isNaN(want))) {
                failures.add(where + " dequantizeRows from row " + start + ": element " + i + " = "
                        + actual[offset + i] + ", expected " + want);
                return;
            }
        }
    }

    /**
     * The decode path on its own: row ranges that start and end at odd rows, and one {@link MatvecInput}
     * reused for a second input in the same array, whose prepared forms must be computed again.
     */
    private static void checkMatvec(WeightMatrix m, float[] x, Reference ref, Random random, Parallel pool,
                                    String where, List<String> failures) {
        int rows = m.rows(), cols = m.cols();
        float[] reused = randomFloats(random, cols);
        MatvecInput input = new MatvecInput().set(reused, cols);
        float[] out = new float[rows];
        m.matvec(input, out, pool);
        System.arraycopy(x, 0, reused, 0, cols);
        input.set(reused, cols);
        out = new float[rows];
        m.matvec(input, out, pool);
        compare(where + " matvec with a reused input", out, ref, failures);

        out = new float[rows];
        int split = Math.min(rows, rows / 2 | 1);
        m.prepare(input);
        m.matvecRows(input, out, 0, split);
        m.matvecRows(input, out, split, rows);
        compare(where + " matvecRows split at " + split, out, ref, failures);
    }

    private static void compare(String what, float[] out, Reference ref, List<String> failures) {
        for (int i = 0; i < out.length; i++) {
            double error = Math.abs(out[i] - ref.value()[i]);
            // The tiny absolute term only matters when every product is 0.
            if (!(error <= TOLERANCE * ref.magnitude()[i] + 1e-30)) {
                failures.add(what + ": out[" + i + "] = " + out[i] + ", expected " + ref.value()[i]
                        + " (relative error " + error / ref.magnitude()[i] + ")");
                return;
            }
        }
    }

    /** What a forked {@link #main} printed, and how it ended. */
    record Forked(String output, boolean finished, int exitValue) {
    }

    /** Runs {@link #main} in a new JVM with {@code jvmOptions} added (vector width, PanelGemm tuning). */
    static Forked fork(String... jvmOptions) throws IOException, InterruptedException {
        return fork(KernelCheck.class, jvmOptions);
    }

    /** Runs the main method of {@code check} (a kernel check on this class path) in a new JVM with {@code jvmOptions} added. */
    static Forked fork(Class<?> check, String... jvmOptions) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.addAll(List.of("--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), check.getName()));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output;
        try (var in = process.getInputStream()) {
            output = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        boolean finished = process.waitFor(5, TimeUnit.MINUTES);
        return new Forked(output, finished, finished ? process.exitValue() : -1);
    }

    /** Runs the whole grid; prints the vector width and any failure; exits 1 if there was one. */
    public static void main(String[] args) {
        System.out.println("float vector bits: " + Vectors.F.vectorBitSize());
        System.out.println("PanelGemm: min batch " + PanelGemm.MIN_BATCH + ", panel bytes " + PanelGemm.PANEL_BYTES
                + ", column block " + PanelGemm.K_BLOCK);
        List<String> failures = new ArrayList<>();
        long seed = 1;
        try (Parallel pool = Parallel.create(2)) {
            for (GgmlType type : TYPES) {
                for (int cols : colsFor(type)) {
                    for (int rows : ROWS) {
                        for (int batch : BATCHES) {
                            failures.addAll(check(type, rows, cols, batch, seed++, pool));
                        }
                    }
                }
                for (int batch : LARGE_BATCHES) {
                    failures.addAll(check(type, LARGE_ROWS, largeCols(type), batch, seed++, pool));
                }
            }
            for (GgmlType type : HALF_FIELDS.keySet()) {
                int cols = MAX_BLOCK_COLS / type.blockSize() * type.blockSize();
                for (int rows : ROWS) {
                    for (int batch : RANDOM_BLOCK_BATCHES) {
                        failures.addAll(checkRandomBlocks(type, rows, cols, batch, seed++, pool));
                    }
                }
            }
        }
        failures.forEach(System.out::println);
        System.out.println(failures.size() + " failures");
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
