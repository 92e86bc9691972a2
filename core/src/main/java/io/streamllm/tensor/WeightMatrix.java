package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix of {@code rows} x {@code cols} elements of one tensor type, row-major, backed by
 * a memory segment (usually a slice of a memory-mapped model file: no copy is made).
 * Each tensor type owns its kernels: the vector {@link #dot}, its batched form
 * {@link #matmulRows}, and the plain scalar {@link #dequantizeRow} the kernels are tested against.
 */
public abstract class WeightMatrix {
    protected static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Below this many multiply-adds a matmul is not worth handing to other threads. */
    private static final long PARALLEL_THRESHOLD = 1L << 15;

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;

    protected WeightMatrix(MemorySegment data, int rows, int cols) {
        long expected = type().bytesFor((long) rows * cols);
        if (data.byteSize() != expected) {
            throw new IllegalArgumentException(type() + " matrix " + rows + "x" + cols + " needs " + expected
                    + " bytes, got " + data.byteSize());
        }
        if (cols % type().blockSize() != 0) {
            throw new IllegalArgumentException(type() + " rows must be a multiple of " + type().blockSize()
                    + " elements, got " + cols);
        }
        this.data = data;
        this.rows = rows;
        this.cols = cols;
    }

    /** A matrix view of {@code data} in tensor type {@code type}. */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        return switch (type) {
            case F32 -> new F32Matrix(data, rows, cols);
            case F16 -> new F16Matrix(data, rows, cols);
            case BF16 -> new BF16Matrix(data, rows, cols);
            case Q8_0 -> new Q8_0Matrix(data, rows, cols);
            case Q4_0 -> new Q4_0Matrix(data, rows, cols);
            default -> throw new UnsupportedOperationException("no kernels for tensor type " + type);
        };
    }

    public abstract GgmlType type();

    public final int rows() {
        return rows;
    }

    public final int cols() {
        return cols;
    }

    public final MemorySegment data() {
        return data;
    }

    /** Bytes of weights. */
    public final long byteSize() {
        return data.byteSize();
    }

    /** Writes row {@code row}, dequantized, to {@code out[offset .. offset+cols)}. Plain scalar code. */
    public abstract void dequantizeRow(int row, float[] out, int offset);

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset+cols)}, on the Vector API. */
    public abstract float dot(int row, float[] x, int xOffset);

    /**
     * For rows [rowStart, rowEnd) and each of {@code batch} inputs: {@code out[b*rows + r] = dot(r, x, b*cols)}.
     * Types override this to load each weight block once for the whole batch.
     */
    public void matmulRows(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        for (int b = 0; b < batch; b++) {
            int xOffset = b * cols;
            int outOffset = b * rows;
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = dot(r, x, xOffset);
            }
        }
    }

    /** {@code out[b][r] = W[r] . x[b]} for a batch of inputs {@code x[batch][cols]}, rows split over {@code pool}. */
    public final void matmul(float[] x, int batch, float[] out, Parallel pool) {
        if ((long) rows * cols * batch < PARALLEL_THRESHOLD) {
            matmulRows(x, batch, out, 0, rows);
        } else {
            pool.forRange(rows, (start, end) -> matmulRows(x, batch, out, start, end));
        }
    }

    /** Single-input matmul: {@code out[r] = W[r] . x}. */
    public final void matmul(float[] x, float[] out, Parallel pool) {
        matmul(x, 1, out, pool);
    }
}
