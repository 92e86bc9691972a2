package io.streamllm.jmh;

import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.Quantizer;
import io.streamllm.tensor.WeightMatrix;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Random;

/**
 * Decode kernel against the plain per-row {@code dot}, one thread, timed in the thread's CPU time and
 * alternated in one JVM: on a machine shared with other processes, wall-clock times (JMH's) mostly measure
 * how much of a core the benchmark got, while CPU time still compares the two kernels.
 *
 * <pre>java --add-modules jdk.incubator.vector -cp jmh/target/benchmarks.jar io.streamllm.jmh.MatvecCpuTime TYPE ROWS COPIES</pre>
 *
 * ROWS x 2048 weights of TYPE; COPIES matrices used in turn (24 copies of 8192 rows: ~230 MB in Q4_0,
 * from DRAM; 1 copy: from the L3 cache).
 */
public final class MatvecCpuTime {
    private static final int COLS = 2048;
    private static final int ROUNDS = 6;

    private MatvecCpuTime() {
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: MatvecCpuTime TYPE ROWS COPIES   (e.g. Q4_0 8192 24)");
            System.exit(2);
        }
        GgmlType type = GgmlType.valueOf(args[0]);
        int rows = Integer.parseInt(args[1]);
        int copies = Integer.parseInt(args[2]);
        Random random = new Random(1);
        float[] weights = new float[rows * COLS];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextGaussian() * 0.02f;
        }
        WeightMatrix[] matrices = new WeightMatrix[copies];
        Arena arena = Arena.ofAuto();
        for (int c = 0; c < copies; c++) {
            MemorySegment segment = arena.allocate(type.bytesFor(weights.length), 64);
            if (c == 0) {
                Quantizer.quantize(type, weights, 0, weights.length, segment, 0);
            } else {
                segment.copyFrom(matrices[0].data());
            }
            matrices[c] = WeightMatrix.of(type, segment, rows, COLS);
        }
        float[] x = new float[COLS];
        for (int i = 0; i < COLS; i++) {
            x[i] = (float) random.nextGaussian();
        }
        float[] out = new float[rows];
        long bytes = matrices[0].byteSize();
        int calls = (int) Math.max(16, (4L << 30) / 10 / bytes); // ~0.4 GB of weights per round
        ThreadMXBean cpu = ManagementFactory.getThreadMXBean();
        try (Parallel pool = Parallel.create(1)) {
            System.out.printf("%s %dx%d, %d copies, %d calls per round: GB/s per CPU-second%n", type, rows, COLS, copies, calls);
            for (int round = 0; round < ROUNDS; round++) {
                long start = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    matrices[i % copies].matmul(x, out, pool);
                }
                long matvec = cpu.getCurrentThreadCpuTime() - start;
                start = cpu.getCurrentThreadCpuTime();
                for (int i = 0; i < calls; i++) {
                    WeightMatrix m = matrices[i % copies];
                    for (int r = 0; r < rows; r++) {
                        out[r] = m.dot(r, x, 0);
                    }
                }
                long dot = cpu.getCurrentThreadCpuTime() - start;
                System.out.printf("round %d: matvec %.2f GB/s, dot per row %.2f GB/s%n", round,
                        (double) bytes * calls / matvec, (double) bytes * calls / dot);
            }
        }
    }
}
