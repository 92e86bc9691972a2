package io.streamllm.api;

import io.streamllm.gguf.GgufValueType;
import io.streamllm.kv.DensePolicy;
import io.streamllm.kv.KvCache;
import io.streamllm.model.Model;
import io.streamllm.model.Transformer;
import io.streamllm.model.blocks.ForwardState;
import io.streamllm.testing.GgufEdit;
import io.streamllm.testing.References;
import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Embeddings against the hidden states read another way: token by token through the logits' forward pass. */
class EmbeddingTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();
    private static final String TEXT = "The cat sat on the warm mat and looked at the little bird.";

    /** The final-norm hidden state of each token, one forward pass per token (the decode path, not the batch one). */
    private static float[][] hiddenStatesTokenByToken(Model engine, int[] tokens) {
        Transformer network = engine.network();
        int dim = network.config().embeddingLength();
        KvCache cache = new KvCache(network.config().kvShape(), new DensePolicy(), 1, 1);
        ForwardState state = network.newState(1);
        float[] logits = new float[network.config().vocabularySize()];
        float[][] rows = new float[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            network.forward(tokens, i, 1, cache, state, logits, false);
            rows[i] = java.util.Arrays.copyOf(state.finalRows, dim);
        }
        return rows;
    }

    private static float[] normalized(double[] v) {
        double norm = 0;
        for (double x : v) {
            norm += x * x;
        }
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            out[i] = (float) (v[i] / Math.sqrt(norm));
        }
        return out;
    }

    private static double norm(float[] v) {
        double sum = 0;
        for (float x : v) {
            sum += (double) x * x;
        }
        return Math.sqrt(sum);
    }

    @Test
    void meanPoolingIsTheNormalizedMeanOfTheHiddenStates() {
        int[] tokens = model.tokenizer().encode(TEXT);
        float[][] rows = hiddenStatesTokenByToken(SharedModel.stories260K(), tokens);
        double[] mean = new double[rows[0].length];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                mean[i] += row[i] / (double) rows.length;
            }
        }
        float[] embedding = model.embed(TEXT);
        assertThat(model.pooling()).isEqualTo(Pooling.MEAN);
        assertThat(embedding).hasSize(model.info().embeddingLength());
        assertThat(norm(embedding)).isCloseTo(1, within(1e-6));
        assertThat(embedding).containsExactly(normalized(mean), within(1e-4f));
        assertThat(model.embed(tokens)).containsExactly(embedding);
    }

    @Test
    void differentTextsGiveDifferentEmbeddingsAndLongOnesStream() {
        float[] a = model.embed("a dog ran in the park");
        float[] b = model.embed("the sun is hot");
        assertThat(a).isNotEqualTo(b);
        // Longer than the 512-token context: streams through a sink cache, still unit length.
        float[] longOne = model.embed("the little bird sang. ".repeat(120));
        assertThat(norm(longOne)).isCloseTo(1, within(1e-6));
        assertThatThrownBy(() -> model.embed(new int[0])).isInstanceOf(InvalidSettingException.class);
        assertThatThrownBy(() -> model.embed(new int[]{512})).isInstanceOf(InvalidSettingException.class);
    }

    @Test
    void aDeclaredLastPoolingIsTheLastTokensState(@TempDir Path dir) {
        Path copy = GgufEdit.copy(References.stories260K(), dir.resolve("last.gguf"), key -> true,
                writer -> writer.put("llama.pooling_type", GgufValueType.UINT32, 3L));
        try (StreamingModel last = StreamingModel.load(copy)) {
            assertThat(last.pooling()).isEqualTo(Pooling.LAST);
            int[] tokens = last.tokenizer().encode(TEXT);
            float[][] rows = hiddenStatesTokenByToken(SharedModel.stories260K(), tokens);
            double[] lastRow = new double[rows[0].length];
            for (int i = 0; i < lastRow.length; i++) {
                lastRow[i] = rows[rows.length - 1][i];
            }
            assertThat(last.embed(tokens)).containsExactly(normalized(lastRow), within(1e-4f));
        }
        Path rank = GgufEdit.copy(References.stories260K(), dir.resolve("rank.gguf"), key -> true,
                writer -> writer.put("llama.pooling_type", GgufValueType.UINT32, 4L));
        try (StreamingModel reranker = StreamingModel.load(rank)) {
            assertThatThrownBy(() -> reranker.embed("x")).isInstanceOf(InvalidSettingException.class)
                    .hasMessageContaining("rank");
        }
    }
}
