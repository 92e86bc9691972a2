package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.format.TensorStore;
import io.streamllm.format.TensorView;
import io.streamllm.gguf.GgufMetadata;
import io.streamllm.util.Quote;

import java.util.Arrays;

/**
 * The metadata of a GGUF file as an architecture reads its configuration: keys under the architecture's
 * prefix ({@code llama.embedding_length}), and the reading every architecture shares ({@link #standard}).
 */
public record GgufConfig(GgufMetadata meta, TensorStore store, String architecture) {

    public ConfigCheck check() {
        return new ConfigCheck(store.source());
    }

    /** {@code <architecture>.key}. */
    public String key(String suffix) {
        return architecture + "." + suffix;
    }

    public boolean has(String suffix) {
        return meta.has(key(suffix));
    }

    public int integer(String suffix, int fallback) {
        return meta.getInt(key(suffix), fallback);
    }

    public float number(String suffix, float fallback) {
        return meta.getFloat(key(suffix), fallback);
    }

    public boolean flag(String suffix, boolean fallback) {
        return meta.getBoolean(key(suffix), fallback);
    }

    /**
     * The hyper-parameters every architecture has: widths, heads, context, the norm epsilon under
     * {@code epsilonKey} and RoPE of {@code style} (partial when {@code rope.dimension_count} is below the head size).
     */
    public ModelConfig standard(NormSpec.Kind norm, String epsilonKey, RopeStyle style) {
        ConfigCheck check = check();
        int dim = check.positive(key("embedding_length"), meta.getInt(key("embedding_length")));
        int heads = check.positive(key("attention.head_count"), meta.getInt(key("attention.head_count")));
        int headDim = check.positive(key("attention.key_length"), integer("attention.key_length", dim / heads));
        int vocab = has("vocab_size")
                ? check.positive(key("vocab_size"), meta.getInt(key("vocab_size")))
                : vocabularyFromEmbedding(store.get("token_embd.weight"));
        int ropeDims = check.ropeDimensions(key("rope.dimension_count"), integer("rope.dimension_count", headDim), headDim);
        double theta = check.positive(key("rope.freq_base"), number("rope.freq_base", 10000f));
        RopeConfig rope = new RopeConfig(theta, ropeDims, style, ropeDivisors(ropeDims));
        return new ModelConfig(architecture, dim, check.positive(key("block_count"), meta.getInt(key("block_count"))),
                heads, check.kvHeads(key("attention.head_count_kv"), integer("attention.head_count_kv", heads), heads, headDim),
                headDim, check.positive(key("feed_forward_length"), meta.getInt(key("feed_forward_length"))), vocab,
                check.positive(key("context_length"), meta.getInt(key("context_length"))),
                new NormSpec(norm, check.epsilon(key(epsilonKey), meta.getFloat(key(epsilonKey)))),
                AttentionSpec.standard(headDim), PositionSpec.rope(rope), LayoutSpec.SEQUENTIAL);
    }

    /** The Llama family's configuration: RMSNorm and RoPE of {@code style}. */
    public ModelConfig llamaLike(RopeStyle style) {
        return standard(NormSpec.Kind.RMS, "attention.layer_norm_rms_epsilon", style);
    }

    /** Without a vocab_size key the embedding table has one row per token. */
    private static int vocabularyFromEmbedding(TensorView embedding) {
        if (embedding.shape().length != 2) {
            throw new ModelFormatException("tensor '" + embedding.name() + "' has shape "
                    + Arrays.toString(embedding.shape()) + " but an embedding table has two dimensions");
        }
        return (int) embedding.shape()[1]; // GGUF dimensions are at most Integer.MAX_VALUE
    }

    private float[] ropeDivisors(int ropeDims) {
        if (store.has("rope_freqs.weight")) {
            // Llama 3.1 and later store the per-pair frequency divisors as a tensor.
            return store.get("rope_freqs.weight").expectShape(ropeDims / 2).floats();
        }
        String scaling = meta.findString(key("rope.scaling.type")).orElse("none");
        return switch (scaling) {
            case "none" -> null;
            case "linear" -> {
                float[] divisors = new float[ropeDims / 2];
                Arrays.fill(divisors, meta.getFloat(key("rope.scaling.factor")));
                yield divisors;
            }
            default -> throw new ModelFormatException(store.source() + ": RoPE scaling " + Quote.of(scaling)
                    + " is not supported (supported: none, linear, llama3 rope_freqs)");
        };
    }
}
