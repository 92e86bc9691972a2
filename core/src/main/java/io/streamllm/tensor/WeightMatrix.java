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
     *
     * <p>Prefill is compute-bound, so the work goes in tiles of 2 rows x 4 inputs ({@link #tile2x4}):
     * each weight vector is loaded and decoded once and used for 4 inputs, and each input vector
     * once for 2 rows. Around the tiles, the rows go in blocks of about {@link #ROW_BLOCK_BYTES} of
     * weights that stay in the core's L2 cache while every group of 4 inputs passes over them, so
     * that weights come from memory once per call instead of once per group of inputs. Rows and
     * inputs left over from the tiling go through {@link #dot}.
     */
    public void matmulRows(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        checkBatch(x, batch, out);
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, rows);
        int tiledBatch = batch - batch % TILE_INPUTS;
        if (tiledBatch > 0) {
            long rowBytes = data.byteSize() / Math.max(1, rows);
            int blockRows = (int) Math.max(TILE_ROWS, ROW_BLOCK_BYTES / Math.max(1, rowBytes) / TILE_ROWS * TILE_ROWS);
            for (int blockStart = rowStart; blockStart < rowEnd; blockStart += blockRows) {
                int blockEnd = Math.min(rowEnd, blockStart + blockRows);
                for (int b = 0; b < tiledBatch; b += TILE_INPUTS) {
                    int r = blockStart;
                    for (; r + TILE_ROWS <= blockEnd; r += TILE_ROWS) {
                        tile2x4(r, x, b, out);
                    }
                    for (; r < blockEnd; r++) {
                        for (int t = b; t < b + TILE_INPUTS; t++) {
                            out[t * rows + r] = dot(r, x, t * cols);
                        }
                    }
                }
            }
        }
        for (int b = tiledBatch; b < batch; b++) {
            int xOffset = b * cols;
            int outOffset = b * rows;
            for (int r = rowStart; r < rowEnd; r++) {
                out[outOffset + r] = dot(r, x, xOffset);
            }
        }
    }

    /** Weights per row block of {@link #matmulRows}: a part of a core's L2 (1-2 MB on current x86). */
    static final long ROW_BLOCK_BYTES = Long.getLong("streamllm.rowBlockBytes", 256 << 10);

    /** Rows per tile of {@link #tile2x4}; row ranges handed to threads are multiples of it. */
    static final int TILE_ROWS = 2;
    /** Inputs per tile of {@link #tile2x4}. */
    static final int TILE_INPUTS = 4;

    /**
     * Rows {@code row, row+1} times inputs {@code token .. token+3}: writes
     * {@code out[(token+t)*rows + row+r] = dot(row+r, x, (token+t)*cols)} for r &lt; 2, t &lt; 4.
     */
    protected abstract void tile2x4(int row, float[] x, int token, float[] out);

    /** Stores the 8 results of a {@link #tile2x4}: {@code sRT} is row {@code row+R}, input {@code token+T}. */
    protected final void store2x4(float[] out, int row, int token,
                                  float s00, float s01, float s02, float s03,
                                  float s10, float s11, float s12, float s13) {
        int o = token * rows + row;
        out[o] = s00;
        out[o + 1] = s10;
        o += rows;
        out[o] = s01;
        out[o + 1] = s11;
        o += rows;
        out[o] = s02;
        out[o + 1] = s12;
        o += rows;
        out[o] = s03;
        out[o + 1] = s13;
    }

    private void checkBatch(float[] x, int batch, float[] out) {
        if (batch < 0 || (long) batch * cols > x.length || (long) batch * rows > out.length) {
            throw new IllegalArgumentException("batch " + batch + " of a " + rows + "x" + cols
                    + " matmul needs x[" + (long) batch * cols + "] and out[" + (long) batch * rows
                    + "], got x[" + x.length + "] and out[" + out.length + "]");
        }
    }

    /** {@code out[b][r] = W[r] . x[b]} for a batch of inputs {@code x[batch][cols]}, rows split over {@code pool}. */
    public final void matmul(float[] x, int batch, float[] out, Parallel pool) {
        if ((long) rows * cols * batch < PARALLEL_THRESHOLD) {
            matmulRows(x, batch, out, 0, rows);
        } else {
            pool.forRange(rows, TILE_ROWS, (start, end) -> matmulRows(x, batch, out, start, end));
        }
    }

    /** Single-input matmul: {@code out[r] = W[r] . x}. */
    public final void matmul(float[] x, float[] out, Parallel pool) {
        matmul(x, 1, out, pool);
    }
}
