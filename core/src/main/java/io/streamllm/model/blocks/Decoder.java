package io.streamllm.model.blocks;

import io.streamllm.kv.BatchPlan;
import io.streamllm.kv.KvCache;
import io.streamllm.model.LayoutSpec;
import io.streamllm.model.ModelConfig;
import io.streamllm.model.Transformer;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * What every decoder-only network does around its layers: token embedding (scaled if the layout says),
 * the layers in order, the final norm, the LM head (soft-capped if the layout says). An architecture
 * writes its layer loop in {@link #layer}.
 */
public abstract class Decoder implements Transformer {
    protected final ModelConfig config;
    protected final Attention attention;
    protected final Parallel pool;
    private final WeightMatrix tokenEmbedding;
    private final Norm outputNorm;
    private final WeightMatrix output;

    /**
     * @param output the LM head; the embedding table when it is tied
     */
    protected Decoder(ModelConfig config, WeightMatrix tokenEmbedding, Norm outputNorm, WeightMatrix output,
                      Parallel pool) {
        this.config = config;
        this.attention = new Attention(config);
        this.pool = pool;
        this.tokenEmbedding = tokenEmbedding;
        this.outputNorm = outputNorm;
        this.output = output;
    }

    /** Runs layer {@code l} on the residual stream {@code st.x} of {@code count} tokens. */
    protected abstract void layer(int l, KvCache cache, ForwardState st, int count);

    /** Bytes of the layers' weights. */
    protected abstract long layerBytes();

    @Override
    public final ModelConfig config() {
        return config;
    }

    @Override
    public final ForwardState newState(int maxBatch) {
        return new ForwardState(config, maxBatch);
    }

    @Override
    public final long weightBytes() {
        return output.byteSize() + layerBytes();
    }

    @Override
    public final void forward(int[] tokens, int offset, int count, KvCache cache, ForwardState st, float[] logits,
                              boolean allLogits) {
        runLayers(tokens, offset, count, cache, st);
        int dim = config.embeddingLength();
        LayoutSpec layout = config.layout();
        int rows = allLogits ? count : 1;
        if (allLogits) {
            outputNorm.apply(st.finalRows, st.x, count);
        } else {
            System.arraycopy(st.x, (count - 1) * dim, st.finalRows, 0, dim);
            outputNorm.apply(st.finalRows, st.finalRows, 1);
        }
        output.matmul(st.finalRows, rows, logits, pool);
        if (layout.finalLogitSoftcap() > 0) {
            Attention.softcap(logits, 0, rows * config.vocabularySize(), layout.finalLogitSoftcap());
        }
    }

    @Override
    public final void forwardHidden(int[] tokens, int offset, int count, KvCache cache, ForwardState st) {
        runLayers(tokens, offset, count, cache, st);
        outputNorm.apply(st.finalRows, st.x, count);
    }

    /** Embeds the tokens and runs every layer: the residual stream of the batch ends in {@code st.x}. */
    private void runLayers(int[] tokens, int offset, int count, KvCache cache, ForwardState st) {
        int dim = config.embeddingLength();
        LayoutSpec layout = config.layout();
        BatchPlan plan = cache.beginBatch(count);
        for (int i = 0; i < count; i++) {
            tokenEmbedding.dequantizeRow(checkToken(tokens[offset + i]), st.x, i * dim);
        }
        if (layout.embeddingScale() != 1f) {
            for (int i = 0; i < count * dim; i++) {
                st.x[i] *= layout.embeddingScale();
            }
        }
        attention.prepareBatch(plan, st);
        for (int l = 0; l < config.blockCount(); l++) {
            layer(l, cache, st, count);
        }
        cache.endBatch(count);
    }

    private int checkToken(int token) {
        if (token < 0 || token >= config.vocabularySize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.."
                    + (config.vocabularySize() - 1) + ")");
        }
        return token;
    }

    /** The embedding table ({@code token_embd.weight}). */
    public static WeightMatrix embedding(Weights weights, ModelConfig config) {
        return weights.matrix("token_embd.weight", config.embeddingLength(), config.vocabularySize());
    }

    /** {@code output.weight}, or the embedding table when the file ties them (has no output matrix). */
    public static WeightMatrix head(Weights weights, ModelConfig config, WeightMatrix embedding) {
        return weights.has("output.weight")
                ? weights.matrix("output.weight", config.embeddingLength(), config.vocabularySize())
                : embedding;
    }
}
