package io.streamllm.model.blocks;

import io.streamllm.model.ModelConfig;
import io.streamllm.tensor.WeightMatrix;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Attention whose q, k and v projections are one fused tensor (GPT-NeoX, Falcon, MPT; with its bias, when the
 * file has one). In llama.cpp's layout, {@code blk.N.attn_qkv}, the rows are all of Q, then K, then V: q, k and
 * v are row views of the mapped tensor, not copies.
 */
public final class FusedQkv {
    private FusedQkv() {
    }

    /** The attention of layer {@code layer} from {@code attn_qkv} (Q, K, V rows) and {@code attn_output}. */
    public static AttentionBlock load(Weights weights, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        int dim = config.embeddingLength();
        int q = config.queryLength();
        int kv = config.kvLength();
        String fused = p + "attn_qkv.weight";
        float[] bias = weights.optionalVector(p + "attn_qkv.bias", q + 2 * kv);
        return new AttentionBlock(
                new Linear(weights.rows(fused, dim, 0, q), slice(bias, 0, q)),
                new Linear(weights.rows(fused, dim, q, kv), slice(bias, q, kv)),
                new Linear(weights.rows(fused, dim, q + kv, kv), slice(bias, q + kv, kv)),
                Linear.load(weights, p + "attn_output", q, dim),
                null, null, null);
    }

    /**
     * The attention of layer {@code layer} from Hugging Face GPT-NeoX's {@code query_key_value}, whose rows go
     * head by head (q, k, v of head 0, then of head 1, ...), under {@code name}. Its rows are copied once into
     * llama.cpp's order (as llama.cpp's converter does), so that q, k and v are each one matrix again.
     */
    public static AttentionBlock loadHeadInterleaved(Weights weights, ModelConfig config, int layer, String name) {
        String p = "blk." + layer + ".";
        int dim = config.embeddingLength();
        int heads = config.headCount();
        int headDim = config.headDim();
        int q = config.queryLength();
        WeightMatrix interleaved = weights.matrix(p + name + ".weight", dim, 3 * q);
        float[] interleavedBias = weights.optionalVector(p + name + ".bias", 3 * q);
        long rowBytes = interleaved.type().bytesFor(dim);
        MemorySegment ordered = Arena.ofAuto().allocate(interleaved.data().byteSize(), 64);
        float[] bias = interleavedBias == null ? null : new float[3 * q];
        for (int part = 0; part < 3; part++) {
            for (int h = 0; h < heads; h++) {
                int from = (h * 3 + part) * headDim;
                int to = part * q + h * headDim;
                MemorySegment.copy(interleaved.data(), from * rowBytes, ordered, to * rowBytes, headDim * rowBytes);
                if (bias != null) {
                    System.arraycopy(interleavedBias, from, bias, to, headDim);
                }
            }
        }
        return new AttentionBlock(
                new Linear(rows(interleaved, ordered, 0, q), slice(bias, 0, q)),
                new Linear(rows(interleaved, ordered, q, q), slice(bias, q, q)),
                new Linear(rows(interleaved, ordered, 2 * q, q), slice(bias, 2 * q, q)),
                Linear.load(weights, p + "attn_output", q, dim),
                null, null, null);
    }

    /** Rows {@code [first, first + count)} of {@code data}, a matrix of {@code like}'s type and width. */
    private static WeightMatrix rows(WeightMatrix like, MemorySegment data, int first, int count) {
        long rowBytes = like.type().bytesFor(like.cols());
        return WeightMatrix.of(like.type(), data.asSlice(first * rowBytes, count * rowBytes), count, like.cols());
    }

    private static float[] slice(float[] vector, int from, int length) {
        return vector == null ? null : Arrays.copyOfRange(vector, from, from + length);
    }
}
