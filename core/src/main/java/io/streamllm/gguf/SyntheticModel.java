package io.streamllm.gguf;

import io.streamllm.api.StreamllmException;
import io.streamllm.tensor.GgmlType;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.Quantizer;

import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.LongConsumer;

/**
 * Writes random-weight GGUF models of real shapes, for speed work: the weights cannot be downloaded
 * here, and for speed only their shapes and types matter. The files use llama.cpp's tensor names
 * and metadata, with a SentencePiece-style vocabulary of byte tokens and fillers, so that llama.cpp
 * loads them too.
 */
public final class SyntheticModel {

    /**
     * A model shape.
     *
     * @param tiedEmbeddings whether the LM head reuses the embedding table (no output.weight)
     * @param qkvBias        whether attention projections have biases (Qwen2)
     * @param llama3Rope     whether to write Llama 3.1-style RoPE frequency divisors (rope_freqs.weight)
     */
    public record Shape(String name, String architecture, int dim, int layers, int heads, int kvHeads, int ffn,
                        int vocab, int contextLength, float ropeTheta, boolean tiedEmbeddings, boolean qkvBias,
                        boolean llama3Rope) {

        public long parameterCount() {
            int headDim = dim / heads;
            long perLayer = 2L * dim * dim + 2L * dim * kvHeads * headDim + 3L * dim * ffn + 2L * dim
                    + (qkvBias ? dim + 2L * kvHeads * headDim : 0);
            return (long) vocab * dim * (tiedEmbeddings ? 1 : 2) + layers * perLayer + dim;
        }
    }

    /** Llama-3.2-1B's dimensions. */
    public static final Shape LLAMA_1B = new Shape("llama-1b", "llama", 2048, 16, 32, 8, 8192, 128256, 131072,
            500000f, true, false, true);
    /** A ~100M-parameter Llama (GQA, 32k vocabulary). */
    public static final Shape LLAMA_100M = new Shape("llama-100m", "llama", 768, 12, 12, 4, 2048, 32000, 4096,
            10000f, true, false, false);
    /** Qwen2-0.5B's dimensions (QKV biases, split-half RoPE). */
    public static final Shape QWEN2_05B = new Shape("qwen2-0.5b", "qwen2", 896, 24, 14, 2, 4864, 151936, 32768,
            1000000f, true, true, false);
    /** A tiny shape for tests. */
    public static final Shape TINY = new Shape("tiny", "llama", 64, 2, 4, 2, 128, 300, 256, 10000f, false, false, false);

    public static final List<Shape> SHAPES = List.of(LLAMA_1B, LLAMA_100M, QWEN2_05B, TINY);

    /** The types {@code synth} can write: every type with kernels and a quantizer. */
    public static final List<GgmlType> TYPES = GgmlType.writableTypes().stream().filter(GgmlType::supported).toList();

    private SyntheticModel() {
    }

    public static Shape shape(String name) {
        return SHAPES.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow(() ->
                new StreamllmException("unknown shape '" + name + "' (known: "
                        + String.join(", ", SHAPES.stream().map(Shape::name).toList()) + ")"));
    }

    /**
     * Writes {@code shape} with weight matrices of type {@code type} to {@code path}.
     *
     * @param progress receives the number of bytes of tensor data written so far
     */
    public static void write(Shape shape, GgmlType type, Path path, long seed, Parallel pool, LongConsumer progress) {
        if (!TYPES.contains(type)) {
            throw new StreamllmException("cannot write weights of type " + type + " (supported: " + TYPES + ")");
        }
        write(shape, WeightMix.of(type), path, seed, pool, progress);
    }

    /**
     * Writes {@code shape} with each weight matrix in the type {@code mix} gives it to {@code path}.
     *
     * @param progress receives the number of bytes of tensor data written so far
     */
    public static void write(Shape shape, WeightMix mix, Path path, long seed, Parallel pool, LongConsumer progress) {
        int headDim = shape.dim / shape.heads;
        int kvDim = shape.kvHeads * headDim;
        String a = shape.architecture + ".";
        GgufWriter w = new GgufWriter()
                .putString("general.architecture", shape.architecture)
                .putString("general.name", "streamllm synthetic " + shape.name + " " + mix.name());
        if (mix.fileType() >= 0) {
            w.putUInt32("general.file_type", mix.fileType());
        }
        w.putUInt32(a + "context_length", shape.contextLength)
                .putUInt32(a + "embedding_length", shape.dim)
                .putUInt32(a + "block_count", shape.layers)
                .putUInt32(a + "feed_forward_length", shape.ffn)
                .putUInt32(a + "attention.head_count", shape.heads)
                .putUInt32(a + "attention.head_count_kv", shape.kvHeads)
                .putFloat32(a + "attention.layer_norm_rms_epsilon", 1e-5f)
                .putUInt32(a + "rope.dimension_count", headDim)
                .putFloat32(a + "rope.freq_base", shape.ropeTheta)
                .putUInt32(a + "vocab_size", shape.vocab);
        writeVocabulary(w, shape.vocab);

        long[] written = {0};
        TensorWriter tensors = new TensorWriter(w, mix, shape.layers, !shape.tiedEmbeddings, seed, pool, bytes -> {
            written[0] += bytes;
            progress.accept(written[0]);
        });
        tensors.matrix("token_embd.weight", shape.dim, shape.vocab);
        if (shape.llama3Rope) {
            float[] divisors = io.streamllm.model.RopeConfig.llama3Divisors(headDim, shape.ropeTheta, 32, 1, 4, 8192);
            w.addTensor("rope_freqs.weight", new long[] {headDim / 2}, divisors);
        }
        for (int l = 0; l < shape.layers; l++) {
            String p = "blk." + l + ".";
            tensors.ones(p + "attn_norm.weight", shape.dim);
            tensors.matrix(p + "attn_q.weight", shape.dim, shape.dim);
            tensors.matrix(p + "attn_k.weight", shape.dim, kvDim);
            tensors.matrix(p + "attn_v.weight", shape.dim, kvDim);
            if (shape.qkvBias) {
                tensors.vector(p + "attn_q.bias", shape.dim);
                tensors.vector(p + "attn_k.bias", kvDim);
                tensors.vector(p + "attn_v.bias", kvDim);
            }
            tensors.matrix(p + "attn_output.weight", shape.dim, shape.dim);
            tensors.ones(p + "ffn_norm.weight", shape.dim);
            tensors.matrix(p + "ffn_gate.weight", shape.dim, shape.ffn);
            tensors.matrix(p + "ffn_up.weight", shape.dim, shape.ffn);
            tensors.matrix(p + "ffn_down.weight", shape.ffn, shape.dim);
        }
        tensors.ones("output_norm.weight", shape.dim);
        if (!shape.tiedEmbeddings) {
            tensors.matrix("output.weight", shape.dim, shape.vocab);
        }
        w.write(path);
    }

    /** A SentencePiece-style vocabulary: unknown, BOS, EOS, the 256 byte tokens, then filler pieces. */
    private static void writeVocabulary(GgufWriter w, int vocab) {
        String[] tokens = new String[vocab];
        float[] scores = new float[vocab];
        int[] types = new int[vocab];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        types[0] = 2; // unknown
        types[1] = 3; // control
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
            types[3 + b] = 6; // byte
        }
        for (int i = 259; i < vocab; i++) {
            tokens[i] = "\u2581t" + i;
            types[i] = 1; // normal
            scores[i] = -i;
        }
        w.putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", tokens)
                .putFloats("tokenizer.ggml.scores", scores)
                .putInts("tokenizer.ggml.token_type", types)
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .putUInt32("tokenizer.ggml.eos_token_id", 2)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0)
                .putBool("tokenizer.ggml.add_bos_token", true);
    }

    /** Adds random tensors; rows are generated in parallel, each from its own seed, so files are reproducible. */
    private static final class TensorWriter {
        private final GgufWriter writer;
        private final WeightMix mix;
        private final int layers;
        private final boolean hasOutput;
        private final long seed;
        private final Parallel pool;
        private final LongConsumer bytesWritten;
        private int tensorIndex;

        TensorWriter(GgufWriter writer, WeightMix mix, int layers, boolean hasOutput, long seed, Parallel pool,
                LongConsumer bytesWritten) {
            this.writer = writer;
            this.mix = mix;
            this.layers = layers;
            this.hasOutput = hasOutput;
            this.seed = seed;
            this.pool = pool;
            this.bytesWritten = bytesWritten;
        }

        /** A matrix of {@code rows} rows of {@code cols} weights, uniform with unit-scale fan-in variance. */
        void matrix(String name, int cols, int rows) {
            long tensorSeed = seed * 1_000_003L + tensorIndex++;
            float bound = (float) Math.sqrt(3.0 / cols);
            GgmlType type = mix.typeOf(name, cols, layers, hasOutput);
            long rowBytes = type.bytesFor(cols);
            writer.addTensor(name, type, new long[] {cols, rows}, dst -> {
                int chunk = 256;
                for (int start = 0; start < rows; start += chunk) {
                    int from = start;
                    int to = Math.min(rows, start + chunk);
                    pool.forRange(to - from, (a, b) -> {
                        float[] values = new float[cols];
                        for (int r = from + a; r < from + b; r++) {
                            SplittableRandom random = new SplittableRandom(tensorSeed * 31 + r);
                            for (int c = 0; c < cols; c++) {
                                values[c] = (float) (random.nextDouble(-1, 1) * bound);
                            }
                            Quantizer.quantize(type, values, 0, cols, dst, r * rowBytes);
                        }
                    });
                    bytesWritten.accept((to - from) * rowBytes);
                }
            });
        }

        void ones(String name, int length) {
            float[] values = new float[length];
            Arrays.fill(values, 1f);
            writer.addTensor(name, new long[] {length}, values);
        }

        void vector(String name, int length) {
            SplittableRandom random = new SplittableRandom(seed + tensorIndex++);
            float[] values = new float[length];
            for (int i = 0; i < length; i++) {
                values[i] = (float) random.nextDouble(-0.1, 0.1);
            }
            writer.addTensor(name, new long[] {length}, values);
        }
    }
}
