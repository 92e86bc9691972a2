package io.streamllm.tensor;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * A weight matrix of {@code rows} x {@code cols} elements of one tensor type, row-major, backed by
 * a memory segment (usually a slice of a memory-mapped model file: no copy is made).
 * Each tensor type owns its kernels: the vector {@link #dot}, its batched form
 * {@link #matmulRows}, and the plain scalar {@link #dequantizeRow} the kernels are tested against.
 *
 * <p>The float types' {@code dot} and {@code tile} loops look alike but for how a weight vector is loaded,
 * and are written out in each class on purpose: a loop shared in a base class would call the load through
 * a virtual method that sees several types once a model mixes them, C2 would not inline it, and the
 * vectors would be boxed on the heap.
 */
public abstract class WeightMatrix {
    protected static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    protected static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Below this many multiply-adds a matmul is not worth handing to other threads. */
    private static final long PARALLEL_THRESHOLD = 1L << 15;

    protected final MemorySegment data;
    protected final int rows;
    protected final int cols;
    /** Bytes of one row: where row r starts in {@link #data} is {@code r * rowBytes}. */
    protected final long rowBytes;

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
        this.rowBytes = type().bytesFor(cols);
    }

    /** A matrix view of {@code data} in tensor type {@code type}: the type's factory in {@link GgmlType}. */
    public static WeightMatrix of(GgmlType type, MemorySegment data, int rows, int cols) {
        if (!type.supported()) {
            throw new UnsupportedOperationException("no kernels for tensor type " + type
                    + " (supported: " + GgmlType.supportedNames() + ")");
        }
        return type.factory().create(data, rows, cols);
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

    /**
     * Writes rows [{@code rowStart}, {@code rowStart+count}) dequantized, one after another, to {@code out}
     * from {@code offset}: the float panel a batched kernel multiplies many inputs by. Types override this
     * with vector decoding; this default is the scalar {@link #dequantizeRow} per row.
     */
    public void dequantizeRows(int rowStart, int count, float[] out, int offset) {
        for (int r = 0; r < count; r++) {
            dequantizeRow(rowStart + r, out, offset + r * cols);
        }
    }

    /** Dot product of row {@code row} with {@code x[xOffset .. xOffset+cols)}, on the Vector API. */
    public abstract float dot(int row, float[] x, int xOffset);

    /**
     * For rows [rowStart, rowEnd) and each of {@code batch} inputs: {@code out[b*rows + r] = dot(r, x, b*cols)}.
     *
     * <p>Prefill is compute-bound, so the work goes in tiles of {@link #tileRows} rows x
     * {@link #tileInputs} inputs ({@link #tile}): each weight vector is loaded and decoded once and
     * used for several inputs, and each input vector once for several rows. Around the tiles, the
     * rows go in blocks of about {@link #ROW_BLOCK_BYTES} of weights that stay in the core's L2
     * cache while every group of inputs passes over them, so that weights come from memory once per
     * call instead of once per group of inputs (F32 2048x2048 x 128: 25 -> 45 GFLOP/s when added).
     * Rows and inputs left over from the tiling go through {@link #dot}.
     *
     * <p>Batches of {@link PanelGemm#MIN_BATCH} inputs or more go to {@link PanelGemm} instead, which
     * decodes each weight once per call and multiplies in float (the tiles are kept for small batches).
     */
    public void matmulRows(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        checkBatch(x, batch, out);
        java.util.Objects.checkFromToIndex(rowStart, rowEnd, rows);
        if (PanelGemm.worthIt(batch)) {
            float[] packed = PanelGemm.packBuffer(batch, cols);
            PanelGemm.pack(x, batch, cols, packed, 0, PanelGemm.groups(batch));
            PanelGemm.multiply(this, packed, batch, out, rowStart, rowEnd);
        } else {
            matmulTiles(x, batch, out, rowStart, rowEnd);
        }
    }

    /** The per-type tiles of {@link #matmulRows}, for any batch (small ones in use). */
    final void matmulTiles(float[] x, int batch, float[] out, int rowStart, int rowEnd) {
        int tileRows = tileRows();
        int tileInputs = tileInputs();
        int tiledBatch = batch - batch % tileInputs;
        if (tiledBatch > 0) {
            float[] sums = tileSums(tileRows * tileInputs * Vectors.LANES);
            int blockRows = (int) Math.max(tileRows, ROW_BLOCK_BYTES / Math.max(1, rowBytes) / tileRows * tileRows);
            for (int blockStart = rowStart; blockStart < rowEnd; blockStart += blockRows) {
                int blockEnd = Math.min(rowEnd, blockStart + blockRows);
                for (int b = 0; b < tiledBatch; b += tileInputs) {
                    int r = blockStart;
                    for (; r + tileRows <= blockEnd; r += tileRows) {
                        int from = tile(r, x, b, sums);
                        storeTile(out, r, b, sums, from, x);
                    }
                    for (; r < blockEnd; r++) {
                        for (int t = b; t < b + tileInputs; t++) {
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

    /**
     * Weights per row block of {@link #matmulRows}: a part of a core's L2 (1-2 MB on current x86).
     * The property is for tuning experiments; 64 KB to 512 KB measured within noise of each other.
     */
    static final long ROW_BLOCK_BYTES = Long.getLong("streamllm.rowBlockBytes", 256 << 10);

    /**
     * Rows per tile of {@link #tile}; row ranges handed to threads are multiples of it. 4 rows x 4
     * inputs suits weights that are cheap to decode: each input vector loaded serves 4 FMAs (2x4
     * measured 1.4x slower for F32 with AVX-512, and 2.2x with AVX2 even though 4x4 spills there).
     */
    protected int tileRows() {
        return 4;
    }

    /** Inputs per tile of {@link #tile}. */
    protected int tileInputs() {
        return 4;
    }

    /**
     * Rows {@code row ..} times inputs {@code token ..} ({@link #tileRows} x {@link #tileInputs}):
     * stores at {@code sums[(tileInputs*r + t) * LANES]} the vector of partial sums (to be added up) of
     * the dot product of row {@code row+r} with input {@code token+t} over columns [0, c), and returns
     * c: {@code cols}, or less if the last columns do not fill a vector ({@link #storeTile} adds them).
     *
     * <p>The results go to a small array rather than straight to {@code out} so that nothing but that
     * array is needed after the loop: the accumulators leave few registers, and keeping
     * {@code this}, {@code rows} and the output position alive across the loop made C2 spill in it
     * (measured 45 instead of 68 GFLOP/s for F32). The lanes are added up by the caller, in scalar,
     * because a tile's 16 vector reductions were enough IR nodes to reach C2's inlining cutoff
     * (after which C2 boxes the vectors and the kernel runs 20x slower).
     */
    protected abstract int tile(int row, float[] x, int token, float[] sums);

    /** Writes a tile's {@code sums} to {@code out}, adding columns {@code from .. cols} in scalar. */
    private void storeTile(float[] out, int row, int token, float[] sums, int from, float[] x) {
        int tileRows = tileRows();
        int tileInputs = tileInputs();
        for (int r = 0; r < tileRows; r++) {
            for (int t = 0; t < tileInputs; t++) {
                float s = 0;
                for (int l = (tileInputs * r + t) * Vectors.LANES, end = l + Vectors.LANES; l < end; l++) {
                    s += sums[l];
                }
                int xOffset = (token + t) * cols;
                for (int i = from; i < cols; i++) {
                    s += weight(row + r, i) * x[xOffset + i];
                }
                out[(token + t) * rows + row + r] = s;
            }
        }
    }

    /**
     * One weight, in scalar, for the columns of a row that do not fill a vector. Block types never
     * have such columns (a row is whole blocks of 32, a vector at most 16 floats).
     */
    protected float weight(int row, int col) {
        throw new UnsupportedOperationException(type() + " rows are whole vectors");
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
        if (batch == 1) {
            checkBatch(x, batch, out);
            matvec(INPUTS.get().set(x, cols), out, pool);
        } else if ((long) rows * cols * batch < PARALLEL_THRESHOLD) {
            matmulRows(x, batch, out, 0, rows);
        } else if (PanelGemm.worthIt(batch)) {
            // The inputs are packed once, by all threads, and shared by every thread's rows.
            checkBatch(x, batch, out);
            MatmulCall call = CALLS.get();
            call.set(this, x, batch, out);
            call.packed = PanelGemm.packBuffer(batch, cols);
            try {
                pool.forRange(PanelGemm.groups(batch), 1, MatmulCall.PACK, call);
                pool.forRange(rows, PanelGemm.ROWS, MatmulCall.PANEL_ROWS, call);
            } finally {
                call.set(null, null, 0, null);
            }
        } else {
            MatmulCall call = CALLS.get();
            call.set(this, x, batch, out);
            try {
                pool.forRange(rows, tileRows(), MatmulCall.ROWS, call);
            } finally {
                call.set(null, null, 0, null);
            }
        }
    }

    /** Each thread's scratch for tile sums: a prefill calls matmulRows hundreds of times per chunk. */
    private static final ThreadLocal<float[][]> TILE_SUMS = ThreadLocal.withInitial(() -> new float[1][0]);

    private static float[] tileSums(int length) {
        float[][] holder = TILE_SUMS.get();
        if (holder[0].length < length) {
            holder[0] = new float[length];
        }
        return holder[0];
    }

    private static final ThreadLocal<MatmulCall> CALLS = ThreadLocal.withInitial(MatmulCall::new);

    /** The arguments of one parallel matmul, reused by the calling thread so that a call allocates nothing. */
    private static final class MatmulCall {
        static final Parallel.ArgumentTask<MatmulCall> ROWS =
                (call, start, end) -> call.matrix.matmulRows(call.x, call.batch, call.out, start, end);
        static final Parallel.ArgumentTask<MatmulCall> PACK =
                (call, start, end) -> PanelGemm.pack(call.x, call.batch, call.matrix.cols, call.packed, start, end);
        static final Parallel.ArgumentTask<MatmulCall> PANEL_ROWS =
                (call, start, end) -> PanelGemm.multiply(call.matrix, call.packed, call.batch, call.out, start, end);
        static final Parallel.ArgumentTask<MatmulCall> MATVEC_ROWS =
                (call, start, end) -> call.matrix.matvecRows(call.input, call.out, start, end);

        WeightMatrix matrix;
        float[] x;
        int batch;
        float[] out;
        /** The inputs packed for {@link PanelGemm}, in the calling thread's scratch. */
        float[] packed;
        MatvecInput input;

        void set(WeightMatrix matrix, MatvecInput input, float[] out) {
            set(matrix, null, 1, out);
            this.input = input;
        }

        void set(WeightMatrix matrix, float[] x, int batch, float[] out) {
            this.matrix = matrix;
            this.x = x;
            this.batch = batch;
            this.out = out;
            this.packed = null;
            this.input = null;
        }
    }

    /** Each calling thread's input for {@link #matmul} with one input. */
    private static final ThreadLocal<MatvecInput> INPUTS = ThreadLocal.withInitial(MatvecInput::new);

    /**
     * Decode: {@code out[r] = W[r] . x} for the input {@code input}, rows split over {@code pool}. Inputs
     * shared by several matrices (q/k/v, gate/up) are passed as one {@link MatvecInput}, so that a form
     * a type's kernel wants ({@link #prepare}) is computed once for all of them.
     */
    public final void matvec(MatvecInput input, float[] out, Parallel pool) {
        if (input.cols() != cols || out.length < rows) {
            throw new IllegalArgumentException("a " + rows + "x" + cols + " matvec needs " + cols
                    + " inputs and " + rows + " outputs, got " + input.cols() + " and " + out.length);
        }
        prepare(input);
        if ((long) rows * cols < PARALLEL_THRESHOLD) {
            matvecRows(input, out, 0, rows);
        } else {
            MatmulCall call = CALLS.get();
            call.set(this, input, out);
            try {
                pool.forRange(rows, 1, MatmulCall.MATVEC_ROWS, call);
            } finally {
                call.set(null, null, 0, null);
            }
        }
    }

    /**
     * Computes for {@code input} the form this type's {@link #dot(int, MatvecInput)} reads, if it reads
     * another than the plain floats; called once per matvec before the rows are split, and a form already
     * computed for the same input is kept.
     */
    protected void prepare(MatvecInput input) {
    }

    /** {@code out[r] = W[r] . x} for rows [rowStart, rowEnd). */
    final void matvecRows(MatvecInput input, float[] out, int rowStart, int rowEnd) {
        for (int r = rowStart; r < rowEnd; r++) {
            out[r] = dot(r, input);
        }
    }

    /**
     * Dot product of row {@code row} with the input, for decode. Types whose fast kernel reads a prepared
     * form of the input ({@link #prepare}) override this; the default is {@link #dot(int, float[], int)}.
     *
     * <p>One row at a time, on purpose: kernels taking two adjacent rows at once (one input load serving
     * both) were faster on weights in cache but 10-35% slower from DRAM on Zen 3, where decode's weights
     * come from (see jmh/README.md).
     */
    protected float dot(int row, MatvecInput input) {
        return dot(row, input.x(), 0);
    }

    /** Single-input matmul: {@code out[r] = W[r] . x}. */
    public final void matmul(float[] x, float[] out, Parallel pool) {
        matmul(x, 1, out, pool);
    }
}
