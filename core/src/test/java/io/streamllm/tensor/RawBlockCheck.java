package io.streamllm.tensor;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Checks the vector kernels of the sub-block types (Q2_K, Q3_K, IQ4_XS, Q4_1, Q5_0) on random raw
 * blocks: every bit of quants, scales and mins random, and the f16 super-scales drawn from ordinary
 * values and the extremes (largest finite, smallest subnormal, zero, negative). Those are blocks no
 * quantizer writes, so every bit pattern of the layout goes through the kernels. Each kernel is
 * compared with the scalar {@link WeightMatrix#dequantizeRow}: the vector dequantization must give
 * the same floats exactly, the dot products and matmuls match a double-precision loop over them.
 * Shared by {@link RawBlockKernelTest} and, with narrower vectors, by {@link NarrowVectorKernelTest}.
 */
final class RawBlockCheck {
    private static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** A type, and the byte offsets of the f16 scales within its block. */
    record Layout(GgmlType type, int... halfOffsets) {
    }

    static final List<Layout> LAYOUTS = List.of(
            new Layout(GgmlType.Q2_K, 80, 82),
            new Layout(GgmlType.Q3_K, 108),
            new Layout(GgmlType.IQ4_XS, 0),
            new Layout(GgmlType.Q4_1, 0, 2),
            new Layout(GgmlType.Q5_0, 0));

    /** f16 scales: ordinary ones, and the largest finite, smallest subnormal, zero and a negative one. */
    private static final short[] EXTREME_HALVES = {
        Float.floatToFloat16(65504f), (short) 0x0001, (short) 0, Float.floatToFloat16(-0.75f), Float.floatToFloat16(1f)};

    private RawBlockCheck() {
    }

    static Layout layout(GgmlType type) {
        return LAYOUTS.stream().filter(l -> l.type() == type).findFirst().orElseThrow();
    }

    /** A matrix of random bytes at an odd address, its f16 scales replaced by finite ones, a third of them extreme. */
    static WeightMatrix randomBlocks(Layout layout, int rows, int cols, Random random) {
        GgmlType type = layout.type();
        long bytes = type.bytesFor((long) rows * cols);
        MemorySegment segment = Arena.ofAuto().allocate(bytes + 1).asSlice(1, bytes);
        for (long i = 0; i < bytes; i++) {
            segment.set(ValueLayout.JAVA_BYTE, i, (byte) random.nextInt());
        }
        for (long block = 0; block < bytes; block += type.blockBytes()) {
            for (int at : layout.halfOffsets()) {
                short half = random.nextInt(3) == 0
                        ? EXTREME_HALVES[random.nextInt(EXTREME_HALVES.length)]
                        : Float.floatToFloat16((float) (random.nextGaussian() * 0.01));
                segment.set(I16_LE, block + at, half);
            }
        }
        return WeightMatrix.of(type, segment, rows, cols);
    }

    /** Runs every kernel of one random matrix; returns the mismatches. */
    static List<String> check(Layout layout, int rows, int cols, int batch, long seed, Parallel pool) {
        Random random = new Random(seed);
        WeightMatrix m = randomBlocks(layout, rows, cols, random);
        String where = layout.type() + " " + rows + "x" + cols + " batch " + batch + " seed " + seed;
        List<String> failures = new ArrayList<>();

        float[] expected = new float[rows * cols];
        for (int r = 0; r < rows; r++) {
            m.dequantizeRow(r, expected, r * cols);
        }
        // From row 1 on, at an offset, as a batched kernel asks for a panel of a row range.
        int from = Math.min(1, rows - 1);
        float[] panel = new float[3 + (rows - from) * cols];
        m.dequantizeRows(from, rows - from, panel, 3);
        for (int i = from * cols; i < rows * cols; i++) {
            if (Float.compare(panel[3 + i - from * cols] + 0f, expected[i] + 0f) != 0) {
                failures.add(where + " dequantizeRows: element " + i + " = " + panel[3 + i - from * cols]
                        + ", dequantizeRow gave " + expected[i]);
                break;
            }
        }

        float[] x = KernelCheck.randomFloats(random, batch * cols);
        KernelCheck.Reference ref = KernelCheck.reference(m, x, batch);
        float[] out = new float[batch * rows];
        for (int b = 0; b < batch; b++) {
            for (int r = 0; r < rows; r++) {
                out[b * rows + r] = m.dot(r, x, b * cols);
            }
        }
        KernelCheck.compare(where + " dot", out, ref, failures);

        out = new float[batch * rows];
        m.matmulRows(x, batch, out, 0, rows);
        KernelCheck.compare(where + " matmulRows", out, ref, failures);

        out = new float[batch * rows];
        m.matmul(x, batch, out, pool);
        KernelCheck.compare(where + " matmul on " + pool.threads() + " threads", out, ref, failures);
        return failures;
    }

    /** Column counts: one and several blocks of each type. */
    static int[] colsFor(GgmlType type) {
        return type.blockSize() == 256 ? new int[] {256, 512, 1280} : new int[] {32, 64, 96, 288, 1056};
    }

    static final int[] ROWS = {1, 2, 5, 33};
    static final int[] BATCHES = {1, 4, 7};

    /** Runs the whole grid; prints the vector width and any failure; exits 1 if there was one. */
    public static void main(String[] args) {
        System.out.println("float vector bits: " + Vectors.F.vectorBitSize());
        List<String> failures = new ArrayList<>();
        long seed = 1;
        try (Parallel pool = Parallel.create(2)) {
            for (Layout layout : LAYOUTS) {
                for (int cols : colsFor(layout.type())) {
                    for (int rows : ROWS) {
                        for (int batch : BATCHES) {
                            failures.addAll(check(layout, rows, cols, batch, seed++, pool));
                        }
                    }
                }
            }
        }
        failures.forEach(System.out::println);
        System.out.println(failures.size() + " failures");
        System.exit(failures.isEmpty() ? 0 : 1);
    }
}
