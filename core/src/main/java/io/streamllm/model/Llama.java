package io.streamllm.model;

import io.streamllm.format.TensorStore;
import io.streamllm.kv.KvCache;
import io.streamllm.tensor.ArrayMath;
import io.streamllm.tensor.MatvecInput;
import io.streamllm.tensor.Parallel;
import io.streamllm.tensor.WeightMatrix;

/**
 * The Llama family: RMSNorm, grouped-query attention with RoPE, SwiGLU MLP, pre-norm residuals.
 * Covers Llama 1/2/3, Mistral, TinyLlama and Qwen2 (which adds Q/K/V biases).
 */
public final class Llama implements Transformer {

    /** One transformer block's weights. Biases are null when the model has none. */
    record Layer(float[] attentionNorm, WeightMatrix wq, WeightMatrix wk, WeightMatrix wv, WeightMatrix wo,
                 float[] bq, float[] bk, float[] bv,
                 float[] ffnNorm, WeightMatrix gate, WeightMatrix up, WeightMatrix down) {
    }

    private final ModelConfig config;
    private final WeightMatrix tokenEmbedding;
    private final Layer[] layers;
    private final float[] outputNorm;
    private final WeightMatrix output;
    private final Attention attention;
    private final Parallel pool;

    private Llama(ModelConfig config, WeightMatrix tokenEmbedding, Layer[] layers, float[] outputNorm,
                  WeightMatrix output, Parallel pool) {
        this.config = config;
        this.tokenEmbedding = tokenEmbedding;
        this.layers = layers;
        this.outputNorm = outputNorm;
        this.output = output;
        this.attention = new Attention(config);
        this.pool = pool;
    }

    /** Binds the weights of {@code store} (GGUF tensor names) to a network of shape {@code config}. */
    public static Llama load(ModelConfig config, TensorStore store, Parallel pool) {
        int dim = config.embeddingLength();
        int ffn = config.feedForwardLength();
        int q = config.queryLength();
        int kv = config.kvLength();
        WeightMatrix embedding = store.get("token_embd.weight").expectShape(dim, config.vocabularySize()).matrix();
        // The last layer first: a block count the file does not back must fail before the array is allocated.
        store.get("blk." + (config.blockCount() - 1) + ".attn_norm.weight");
        Layer[] layers = new Layer[config.blockCount()];
        for (int l = 0; l < layers.length; l++) {
            String p = "blk." + l + ".";
            layers[l] = new Layer(
                    store.get(p + "attn_norm.weight").expectShape(dim).floats(),
                    store.get(p + "attn_q.weight").expectShape(dim, q).matrix(),
                    store.get(p + "attn_k.weight").expectShape(dim, kv).matrix(),
                    store.get(p + "attn_v.weight").expectShape(dim, kv).matrix(),
                    store.get(p + "attn_output.weight").expectShape(q, dim).matrix(),
                    optionalVector(store, p + "attn_q.bias", q),
                    optionalVector(store, p + "attn_k.bias", kv),
                    optionalVector(store, p + "attn_v.bias", kv),
                    store.get(p + "ffn_norm.weight").expectShape(dim).floats(),
                    store.get(p + "ffn_gate.weight").expectShape(dim, ffn).matrix(),
                    store.get(p + "ffn_up.weight").expectShape(dim, ffn).matrix(),
                    store.get(p + "ffn_down.weight").expectShape(ffn, dim).matrix());
        }
        float[] outputNorm = store.get("output_norm.weight").expectShape(dim).floats();
        // Tied embeddings: without an output matrix the embedding table doubles as the LM head.
        WeightMatrix output = store.has("output.weight")
                ? store.get("output.weight").expectShape(dim, config.vocabularySize()).matrix()
                : embedding;
        return new Llama(config, embedding, layers, outputNorm, output, pool);
    }

    private static float[] optionalVector(TensorStore store, String name, int length) {
        return store.has(name) ? store.get(name).expectShape(length).floats() : null;
    }

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public ForwardState newState(int maxBatch) {
        return new ForwardState(config, maxBatch);
    }

    @Override
    public long weightBytes() {
        long bytes = output.byteSize();
        for (Layer layer : layers) {
            bytes += layer.wq.byteSize() + layer.wk.byteSize() + layer.wv.byteSize() + layer.wo.byteSize()
                    + layer.gate.byteSize() + layer.up.byteSize() + layer.down.byteSize();
        }
        return bytes;
    }

    @Override
    public void forward(int[] tokens, int offset, int count, KvCache cache, ForwardState st, float[] logits,
                        boolean allLogits) {
        int dim = config.embeddingLength();
        float eps = config.normEpsilon();
        cache.beginBatch(count);
        for (int i = 0; i < count; i++) {
            tokenEmbedding.dequantizeRow(checkToken(tokens[offset + i]), st.x, i * dim);
        }
        attention.prepareBatch(cache, st, count);

        for (int l = 0; l < layers.length; l++) {
            Layer layer = layers[l];
            // Attention block: x += Wo . attention(rope(Wq h), rope(Wk h), Wv h), h = rmsnorm(x)
            Norms.rmsNorm(st.xb, st.x, layer.attentionNorm, dim, count, eps);
            MatvecInput h = st.xbShared.set(st.xb, dim);
            project(layer.wq, layer.bq, h, count, st.q);
            project(layer.wk, layer.bk, h, count, st.k);
            project(layer.wv, layer.bv, h, count, st.v);
            attention.run(l, cache, st, count, pool);
            layer.wo.matmul(st.attention, count, st.xb2, pool);
            ArrayMath.add(st.x, st.xb2, count * dim);

            // MLP block: x += Wdown . (silu(Wgate h) * Wup h), h = rmsnorm(x)
            Norms.rmsNorm(st.xb, st.x, layer.ffnNorm, dim, count, eps);
            h = st.xbShared.set(st.xb, dim);
            project(layer.gate, null, h, count, st.hidden);
            project(layer.up, null, h, count, st.hidden2);
            swiglu(st.hidden, st.hidden2, count * config.feedForwardLength());
            layer.down.matmul(st.hidden, count, st.xb2, pool);
            ArrayMath.add(st.x, st.xb2, count * dim);
        }
        cache.endBatch(count);

        if (allLogits) {
            Norms.rmsNorm(st.finalRows, st.x, outputNorm, dim, count, eps);
            output.matmul(st.finalRows, count, logits, pool);
        } else {
            System.arraycopy(st.x, (count - 1) * dim, st.finalRows, 0, dim);
            Norms.rmsNorm(st.finalRows, st.finalRows, outputNorm, dim, 1, eps);
            output.matmul(st.finalRows, 1, logits, pool);
        }
    }

    private int checkToken(int token) {
        if (token < 0 || token >= config.vocabularySize()) {
            throw new IllegalArgumentException("token id " + token + " is outside the vocabulary (0.."
                    + (config.vocabularySize() - 1) + ")");
        }
        return token;
    }

    /**
     * out = W . in (+ bias) for {@code count} inputs. One input goes as the shared {@code in}, so that a
     * form of it that the weight type's kernel wants is computed once for all matrices fed the same input.
     */
    private void project(WeightMatrix w, float[] bias, MatvecInput in, int count, float[] out) {
        if (count == 1) {
            w.matvec(in, out, pool);
        } else {
            w.matmul(in.x(), count, out, pool);
        }
        if (bias != null) {
            for (int i = 0; i < count; i++) {
                for (int j = 0; j < bias.length; j++) {
                    out[i * bias.length + j] += bias[j];
                }
            }
        }
    }

    /** gate[i] = silu(gate[i]) * up[i], with silu(x) = x * sigmoid(x). */
    private static void swiglu(float[] gate, float[] up, int n) {
        for (int i = 0; i < n; i++) {
            float g = gate[i];
            gate[i] = g / (1f + (float) Math.exp(-g)) * up[i];
        }
    }
}
