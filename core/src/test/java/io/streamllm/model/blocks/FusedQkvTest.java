package io.streamllm.model.blocks;

import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.model.AttentionSpec;
import io.streamllm.model.LayoutSpec;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.NormSpec;
import io.streamllm.model.PositionSpec;
import io.streamllm.model.RopeConfig;
import io.streamllm.model.RopeStyle;
import io.streamllm.tensor.GgmlType;
import org.junit.jupiter.api.Test;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fused QKV tensors become q, k and v: llama.cpp's Q|K|V rows as views of the tensor, and Hugging Face's rows grouped
 * by KV head (Falcon-40B: per group its query heads, its key, its value) reordered. Every row of the test tensors
 * holds its own index, so a row that lands in the wrong place shows.
 */
class FusedQkvTest {
    private static final int DIM = 3;
    private static final int HEAD_DIM = 2;

    /** 4 query heads over {@code kvHeads} KV heads of 2 dimensions. */
    private static ModelConfig config(int kvHeads) {
        return new ModelConfig("falcon", DIM, 1, 4, kvHeads, HEAD_DIM, 8, 10, 16, new NormSpec(NormSpec.Kind.LAYER, 1e-5f),
                AttentionSpec.standard(HEAD_DIM), PositionSpec.rope(new RopeConfig(10000, HEAD_DIM, RopeStyle.SPLIT_HALF, null)),
                LayoutSpec.SEQUENTIAL);
    }

    private record MapStore(Map<String, TensorView> tensors) implements TensorStore {
        @Override
        public String source() {
            return "test";
        }

        @Override
        public Set<String> names() {
            return tensors.keySet();
        }

        @Override
        public TensorView find(String name) {
            return tensors.get(name);
        }

        @Override
        public void close() {
        }
    }

    /** A store with {@code qkv} ({@code rows} rows whose every element is the row's index) and its bias. */
    private static Weights weights(String qkv, int rows, float[] backing) {
        for (int r = 0; r < rows; r++) {
            java.util.Arrays.fill(backing, r * DIM, (r + 1) * DIM, r);
        }
        float[] bias = new float[rows];
        for (int r = 0; r < rows; r++) {
            bias[r] = r;
        }
        Map<String, TensorView> tensors = new HashMap<>();
        tensors.put("blk.0." + qkv + ".weight", new TensorView("qkv", GgmlType.F32, new long[] {DIM, rows}, MemorySegment.ofArray(backing)));
        tensors.put("blk.0." + qkv + ".bias", new TensorView("qkv bias", GgmlType.F32, new long[] {rows}, MemorySegment.ofArray(bias)));
        tensors.put("blk.0.attn_output.weight", new TensorView("out", GgmlType.F32, new long[] {8, DIM},
                MemorySegment.ofArray(new float[8 * DIM])));
        return new Weights(new MapStore(tensors), "falcon");
    }

    /** The source row index each row of {@code linear} came from, checked against its bias. */
    private static float[] sourceRows(Linear linear) {
        float[] rows = new float[linear.weight().rows()];
        float[] row = new float[DIM];
        for (int r = 0; r < rows.length; r++) {
            linear.weight().dequantizeRow(r, row, 0);
            rows[r] = row[0];
            assertThat(row).containsOnly(row[0]);
            assertThat(linear.bias()[r]).isEqualTo(row[0]);
        }
        return rows;
    }

    @Test
    void llamaCppLayoutIsSlicedInPlace() {
        float[] backing = new float[16 * DIM];
        AttentionBlock block = FusedQkv.load(weights("attn_qkv", 16, backing), config(2), 0);
        assertThat(sourceRows(block.q())).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(sourceRows(block.k())).containsExactly(8, 9, 10, 11);
        assertThat(sourceRows(block.v())).containsExactly(12, 13, 14, 15);
        assertThat(block.k().weight().data().heapBase()).containsSame(backing); // a view, not a copy
    }

    @Test
    void groupsOfSeveralQueryHeadsAreReordered() {
        // Two groups of 6 rows: query heads 0-1 (rows 0-3), key 0 (4-5), value 0 (6-7), then the same for group 1.
        AttentionBlock block = FusedQkv.load(weights(FusedQkv.HF_GROUPED, 16, new float[16 * DIM]), config(2), 0);
        assertThat(sourceRows(block.q())).containsExactly(0, 1, 2, 3, 8, 9, 10, 11);
        assertThat(sourceRows(block.k())).containsExactly(4, 5, 12, 13);
        assertThat(sourceRows(block.v())).containsExactly(6, 7, 14, 15);
    }

    @Test
    void oneQueryHeadPerGroupIsGptNeoXsInterleave() {
        // 4 groups of q, k, v (2 rows each) = 24 rows.
        AttentionBlock block = FusedQkv.load(weights(FusedQkv.HF_GROUPED, 24, new float[24 * DIM]), config(4), 0);
        assertThat(sourceRows(block.q())).containsExactly(0, 1, 6, 7, 12, 13, 18, 19);
        assertThat(sourceRows(block.k())).containsExactly(2, 3, 8, 9, 14, 15, 20, 21);
        assertThat(sourceRows(block.v())).containsExactly(4, 5, 10, 11, 16, 17, 22, 23);
    }

    @Test
    void oneGroupIsAlreadyLlamaCppsLayoutAndStaysInPlace() {
        float[] backing = new float[12 * DIM];
        AttentionBlock block = FusedQkv.load(weights(FusedQkv.HF_GROUPED, 12, backing), config(1), 0);
        assertThat(sourceRows(block.q())).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
        assertThat(sourceRows(block.k())).containsExactly(8, 9);
        assertThat(sourceRows(block.v())).containsExactly(10, 11);
        assertThat(block.q().weight().data().heapBase()).containsSame(backing);
    }
}
