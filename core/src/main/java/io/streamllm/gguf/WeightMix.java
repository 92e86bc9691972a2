package io.streamllm.gguf;

import io.streamllm.api.StreamllmException;
import io.streamllm.tensor.GgmlType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The tensor type of each weight matrix of a file {@link SyntheticModel} writes: one type for all,
 * or one of llama.cpp's K-quant mixes, chosen by llama-quantize's rules (llama_tensor_get_type) for
 * the tensors a synthetic model has. {@code Q4_K_M} is Q4_K with Q6_K for the output matrix (the
 * token embeddings when they are tied) and for the attn_v and ffn_down matrices of the layers
 * {@link #useMoreBits} picks (about half); {@code Q5_K_M} is the same over Q5_K.
 *
 * @param name     what {@code synth --type} accepts
 * @param base     the type of most matrices
 * @param more     the type of the matrices that get more bits, or null for a single type
 * @param fileType llama.cpp's general.file_type ("mostly ..."), or -1 when it has none
 */
public record WeightMix(String name, GgmlType base, GgmlType more, int fileType) {

    public static final WeightMix Q4_K_M = new WeightMix("Q4_K_M", GgmlType.Q4_K, GgmlType.Q6_K, 15);
    public static final WeightMix Q5_K_M = new WeightMix("Q5_K_M", GgmlType.Q5_K, GgmlType.Q6_K, 17);
    private static final List<WeightMix> MIXES = List.of(Q4_K_M, Q5_K_M);

    /** llama.cpp's general.file_type of a file whose matrices are all of one type. */
    private static final Map<GgmlType, Integer> FILE_TYPES = Map.ofEntries(
            Map.entry(GgmlType.F32, 0), Map.entry(GgmlType.F16, 1), Map.entry(GgmlType.Q4_0, 2),
            Map.entry(GgmlType.Q4_1, 3), Map.entry(GgmlType.Q8_0, 7), Map.entry(GgmlType.Q5_0, 8),
            Map.entry(GgmlType.Q5_1, 9), Map.entry(GgmlType.Q2_K, 10), Map.entry(GgmlType.Q3_K, 11),
            Map.entry(GgmlType.Q4_K, 14), Map.entry(GgmlType.Q5_K, 16), Map.entry(GgmlType.Q6_K, 18),
            Map.entry(GgmlType.IQ4_XS, 30), Map.entry(GgmlType.BF16, 32));

    /**
     * What llama-quantize uses instead of a type whose blocks do not divide a row (qwen2-0.5b's
     * 896 columns are not whole 256-blocks); Q8_0 where that type cannot be written here.
     */
    private static final Map<GgmlType, GgmlType> ROW_FALLBACK = Map.of(
            GgmlType.Q4_K, GgmlType.Q5_0, GgmlType.Q5_K, GgmlType.Q5_1, GgmlType.Q6_K, GgmlType.Q8_0,
            GgmlType.Q2_K, GgmlType.IQ4_NL, GgmlType.Q3_K, GgmlType.IQ4_NL, GgmlType.IQ4_XS, GgmlType.IQ4_NL);

    /** Every matrix in {@code type}. */
    public static WeightMix of(GgmlType type) {
        return new WeightMix(type.name(), type, null, FILE_TYPES.getOrDefault(type, -1));
    }

    /** The types synth can write: every type with kernels and a quantizer, then the mixes. */
    public static List<String> names() {
        List<String> names = new ArrayList<>(SyntheticModel.TYPES.stream().map(GgmlType::name).toList());
        MIXES.forEach(mix -> names.add(mix.name()));
        return names;
    }

    /** The type or mix named {@code name} (any case). */
    public static WeightMix parse(String name) {
        Stream<WeightMix> all = Stream.concat(SyntheticModel.TYPES.stream().map(WeightMix::of), MIXES.stream());
        return all.filter(mix -> mix.name.equalsIgnoreCase(name)).findFirst().orElseThrow(() -> new StreamllmException(
                "unknown tensor type '" + name + "' (supported: " + String.join(", ", names()) + ")"));
    }

    /**
     * The type of weight matrix {@code tensor} ("blk.3.ffn_down.weight", "output.weight") of
     * {@code layers} layers, with rows of {@code cols} weights.
     */
    public GgmlType typeOf(String tensor, int cols, int layers, boolean hasOutput) {
        GgmlType type = base;
        if (more != null) {
            boolean output = tensor.equals("output.weight") || (!hasOutput && tensor.equals("token_embd.weight"));
            boolean moreBitsKind = tensor.endsWith(".attn_v.weight") || tensor.endsWith(".ffn_down.weight");
            if (output || (moreBitsKind && useMoreBits(layerOf(tensor), layers))) {
                type = more;
            }
        }
        if (cols % type.blockSize() != 0) {
            GgmlType fallback = ROW_FALLBACK.getOrDefault(type, GgmlType.Q8_0);
            type = fallback.writable() && fallback.supported() && cols % fallback.blockSize() == 0 ? fallback : GgmlType.Q8_0;
        }
        return type;
    }

    /** llama.cpp's use_more_bits: the first and last eighth of the layers and every third one between. */
    static boolean useMoreBits(int layer, int layers) {
        return layer < layers / 8 || layer >= 7 * layers / 8 || (layer - layers / 8) % 3 == 2;
    }

    private static int layerOf(String tensor) {
        return Integer.parseInt(tensor.substring("blk.".length(), tensor.indexOf('.', "blk.".length())));
    }
}
