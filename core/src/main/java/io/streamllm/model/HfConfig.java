package io.streamllm.model;

import io.streamllm.api.ModelFormatException;
import io.streamllm.util.Quote;

import java.util.Map;

/** Typed access to a Hugging Face config.json object, with errors that name the key. */
public record HfConfig(Map<String, Object> json, String source) {
    public boolean has(String key) {
        return json.get(key) != null;
    }

    public Object raw(String key) {
        return json.get(key);
    }

    public String string(String key) {
        if (!(json.get(key) instanceof String value)) {
            throw new ModelFormatException(source + ": " + Quote.of(key) + " is missing or not a string");
        }
        return value;
    }

    public double number(String key) {
        if (!(json.get(key) instanceof Number value)) {
            throw new ModelFormatException(source + ": " + Quote.of(key) + " is missing or not a number");
        }
        return value.doubleValue();
    }

    public double number(String key, double fallback) {
        return has(key) ? number(key) : fallback;
    }

    public int integer(String key) {
        double value = number(key);
        if (value != Math.rint(value) || Math.abs(value) > Integer.MAX_VALUE) {
            throw new ModelFormatException(source + ": " + Quote.of(key) + " should be an integer, got " + value);
        }
        return (int) value;
    }

    public int integer(String key, int fallback) {
        return has(key) ? integer(key) : fallback;
    }

    /** {@code sliding_window}, or 0 when it is absent or null (the whole context is attended to). */
    public int slidingWindow() {
        return has("sliding_window") ? check().positive("sliding_window", integer("sliding_window")) : 0;
    }

    public ConfigCheck check() {
        return new ConfigCheck(source);
    }

    /**
     * The hyper-parameters every architecture has: widths, heads, context, RMSNorm and split-half RoPE
     * over whole heads (Hugging Face checkpoints rotate the two halves of each head: rotate_half).
     */
    public ModelConfig llamaLike(String architecture) {
        ConfigCheck check = check();
        int dim = check.positive("hidden_size", integer("hidden_size"));
        int heads = check.positive("num_attention_heads", integer("num_attention_heads"));
        int headDim = check.positive("head_dim", integer("head_dim", dim / heads));
        check.ropeDimensions("head_dim", headDim, headDim);
        double theta = check.positive("rope_theta", number("rope_theta", 10000.0));
        int contextLength = check.positive("max_position_embeddings", integer("max_position_embeddings"));
        RopeConfig rope = new RopeConfig(theta, headDim, RopeStyle.SPLIT_HALF, ropeDivisors(headDim, theta, contextLength));
        return new ModelConfig(architecture, dim, check.positive("num_hidden_layers", integer("num_hidden_layers")), heads,
                check.kvHeads("num_key_value_heads", integer("num_key_value_heads", heads), heads, headDim), headDim,
                check.positive("intermediate_size", integer("intermediate_size")),
                check.positive("vocab_size", integer("vocab_size")), contextLength,
                NormSpec.rms(check.epsilon("rms_norm_eps", (float) number("rms_norm_eps"))),
                AttentionSpec.standard(headDim), PositionSpec.rope(rope), LayoutSpec.SEQUENTIAL);
    }

    private float[] ropeDivisors(int headDim, double theta, int contextLength) {
        if (!(raw("rope_scaling") instanceof Map<?, ?> scaling)) {
            return null;
        }
        HfConfig s = new HfConfig(castMap(scaling), source() + " rope_scaling");
        String type = s.has("rope_type") ? s.string("rope_type") : s.string("type");
        return switch (type) {
            case "default" -> null;
            case "linear" -> {
                float[] divisors = new float[headDim / 2];
                java.util.Arrays.fill(divisors, (float) s.number("factor"));
                yield divisors;
            }
            case "llama3" -> RopeConfig.llama3Divisors(headDim, theta, s.number("factor"),
                    s.number("low_freq_factor"), s.number("high_freq_factor"),
                    s.has("original_max_position_embeddings") ? s.integer("original_max_position_embeddings") : contextLength);
            default -> throw new ModelFormatException(source() + ": RoPE scaling " + Quote.of(type)
                    + " is not supported (supported: linear, llama3)");
        };
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> map) {
        return (Map<String, Object>) map;
    }
}
