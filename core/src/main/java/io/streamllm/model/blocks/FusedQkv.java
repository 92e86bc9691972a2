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
    /** The name a Hugging Face tensor map gives a fused QKV tensor in the grouped layout ({@link #loadGrouped}). */
    public static final String HF_GROUPED = "attn_qkv_grouped";

    private FusedQkv() {
    }

    /**
     * The attention of layer {@code layer} from {@code attn_qkv} (Q, K, V rows) and {@code attn_output}, or from a
     * Hugging Face directory's {@link #HF_GROUPED} tensor when it has one.
     */
    public static AttentionBlock load(Weights weights, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        if (weights.has(p + HF_GROUPED + ".weight")) {
            return loadGrouped(weights, config, layer);
        }
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
     * The attention of layer {@code layer} from a Hugging Face fused tensor ({@link #HF_GROUPED}) whose rows go KV group by
     * KV group: the query heads of group 0, its key head, its value head, then group 1 ... GPT-NeoX's
     * {@code query_key_value} is this with one query head per group; Falcon's with all query heads in one group
     * (7B: the llama.cpp layout already, used in place) or a few per group (40B). Other layouts are copied once
     * into llama.cpp's order (as llama.cpp's converters do), so that q, k and v are each one matrix again.
     */
    private static AttentionBlock loadGrouped(Weights weights, ModelConfig config, int layer) {
        String p = "blk." + layer + ".";
        int dim = config.embeddingLength();
        int headDim = config.headDim();
        int groups = config.headCountKv();
        int queriesPerGroup = config.headCount() / groups;
        int q = config.queryLength();
        int kv = config.kvLength();
        WeightMatrix grouped = weights.matrix(p + HF_GROUPED + ".weight", dim, q + 2 * kv);
        float[] groupedBias = weights.optionalVector(p + HF_GROUPED + ".bias", q + 2 * kv);
        MemorySegment ordered = grouped.data();
        float[] bias = groupedBias;
        if (groups > 1) {
            long rowBytes = grouped.type().bytesFor(dim);
            ordered = Arena.ofAuto().allocate(grouped.data().byteSize(), 64);
            bias = groupedBias == null ? null : new float[groupedBias.length];
            int groupRows = (queriesPerGroup + 2) * headDim;
            for (int g = 0; g < groups; g++) {
                // {source row in the group, destination row, rows}: the group's queries, its key, its value.
                int[][] moves = {{0, g * queriesPerGroup * headDim, queriesPerGroup * headDim},
                        {queriesPerGroup * headDim, q + g * headDim, headDim},
                        {(queriesPerGroup + 1) * headDim, q + kv + g * headDim, headDim}};
                for (int[] move : moves) {
                    int from = g * groupRows + move[0];
                    MemorySegment.copy(grouped.data(), from * rowBytes, ordered, move[1] * rowBytes, move[2] * rowBytes);
                    if (bias != null) {
                        System.arraycopy(groupedBias, from, bias, move[1], move[2]);
                    }
                }
            }
        }
        return new AttentionBlock(
                new Linear(rows(grouped, ordered, 0, q), slice(bias, 0, q)),
                new Linear(rows(grouped, ordered, q, kv), slice(bias, q, kv)),
                new Linear(rows(grouped, ordered, q + kv, kv), slice(bias, q + kv, kv)),
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
