package io.streamllm.tensor;

import io.streamllm.format.MappedFile;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in its own JVM by {@link TruncatedWeightsTest}: for each tensor type, compiles the vector kernels hot
 * on a mapped file, cuts the file to half, and reads past the cut. Prints one line per type saying what the
 * read did; a JVM crash (SIGBUS) prints nothing more and exits with 134.
 */
public final class TruncatedWeightsCheck {
    private static final int ROWS = 64;
    private static final int COLS = 1024;

    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("truncated-weights");
        for (GgmlType type : GgmlType.supportedTypes()) {
            Path path = dir.resolve(type + ".bin");
            Files.write(path, new byte[(int) type.bytesFor((long) ROWS * COLS)]);
            try (MappedFile file = MappedFile.open(path, f -> f)) {
                WeightMatrix matrix = WeightMatrix.of(type, file.segment(), ROWS, COLS);
                float[] x = new float[4 * COLS];
                float[] out = new float[4 * ROWS];
                for (int i = 0; i < 20_000; i++) {
                    matrix.dot(i % ROWS, x, 0);
                    matrix.matmulRows(x, 4, out, 0, ROWS);
                }
                try (RandomAccessFile cut = new RandomAccessFile(path.toFile(), "rw")) {
                    cut.setLength(cut.length() / 2);
                }
                System.out.println(type + " dot: " + outcome(() -> matrix.dot(ROWS - 1, x, 0)));
                System.out.println(type + " matmul: " + outcome(() -> matrix.matmulRows(x, 4, out, 0, ROWS)));
            }
            Files.delete(path);
        }
        Files.delete(dir);
    }

    private static String outcome(Runnable read) {
        try {
            read.run();
            return "no fault";
        } catch (InternalError e) {
            return "InternalError";
        }
    }
}
