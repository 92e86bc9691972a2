package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.api.InvalidSettingException;
import io.streamllm.tensor.KvKernels;

import java.nio.ByteBuffer;

/**
 * Keys and values in ggml's q8_0 scheme: each 32 elements of a head's row share a scale
 * d = max|x| / 127 and are stored as round(x / d). The scale is kept as a float (ggml rounds it to f16).
 * A head narrower than 32 elements (tiny models: 8 or 16) is one group, where ggml would refuse.
 */
final class Q8_0KvStore extends KvStore {
    private static final float MAX_QUANT = 127f;

    private final int group;
    private final int groups;
    private final byte[] keyQuants;
    private final float[] keyScales;
    private final byte[] valueQuants;
    private final float[] valueScales;

    Q8_0KvStore(int kvHeads, int headDim, int slots) {
        super(kvHeads, headDim, slots);
        this.group = KvKernels.q8Group(headDim);
        // Groups are read a pair of elements at a time where a vector has 4 lanes (KvKernels.keyScoresQ8).
        if (headDim % group != 0 || group % 2 != 0) {
            throw new InvalidSettingException("the KV type q8_0 needs a head dimension that is a multiple of "
                    + KvKernels.Q8_GROUP + " or an even number below it, but this model's is " + headDim
                    + "; use the KV type f16 or f32");
        }
        this.groups = headDim / group;
        this.keyQuants = new byte[kvHeads * slots * headDim];
        this.keyScales = new float[kvHeads * slots * groups];
        this.valueQuants = new byte[kvHeads * slots * headDim];
        this.valueScales = new float[kvHeads * slots * groups];
    }

    @Override
    public KvType type() {
        return KvType.Q8_0;
    }

    @Override
    int bytesPerSlot() {
        return 2 * kvHeads * groups * (Float.BYTES + group);
    }

    @Override
    public void store(int slot, float[] k, float[] v, int offset) {
        quantize(true, slot, k, offset);
        quantize(false, slot, v, offset);
    }

    private void quantize(boolean key, int slot, float[] row, int offset) {
        byte[] quants = key ? keyQuants : valueQuants;
        float[] scales = key ? keyScales : valueScales;
        for (int h = 0; h < kvHeads; h++) {
            for (int g = 0; g < groups; g++) {
                int first = offset + h * headDim + g * group;
                float max = 0;
                for (int i = 0; i < group; i++) {
                    max = Math.max(max, Math.abs(row[first + i]));
                }
                float scale = max / MAX_QUANT;
                float inverse = scale == 0 ? 0 : 1 / scale;
                scales[index(key, groups, h, slot, g)] = scale;
                for (int i = 0; i < group; i++) {
                    quants[index(key, headDim, h, slot, g * group + i)] = (byte) Math.round(row[first + i] * inverse);
                }
            }
        }
    }

    @Override
    void load(int slot, float[] k, float[] v, int offset) {
        dequantize(true, slot, k, offset);
        dequantize(false, slot, v, offset);
    }

    private void dequantize(boolean key, int slot, float[] row, int offset) {
        byte[] quants = key ? keyQuants : valueQuants;
        float[] scales = key ? keyScales : valueScales;
        for (int h = 0; h < kvHeads; h++) {
            for (int d = 0; d < headDim; d++) {
                float scale = scales[index(key, groups, h, slot, d / group)];
                row[offset + h * headDim + d] = scale * quants[index(key, headDim, h, slot, d)];
            }
        }
    }

    /** Per head and group of 32: the scale (big-endian float), then the 32 quants; keys, then values. */
    @Override
    void encode(int slot, ByteBuffer out) {
        for (boolean key : new boolean[] {true, false}) {
            for (int h = 0; h < kvHeads; h++) {
                for (int g = 0; g < groups; g++) {
                    out.putFloat((key ? keyScales : valueScales)[index(key, groups, h, slot, g)]);
                    for (int i = 0; i < group; i++) {
                        out.put((key ? keyQuants : valueQuants)[index(key, headDim, h, slot, g * group + i)]);
                    }
                }
            }
        }
    }

    @Override
    void decode(int slot, ByteBuffer in) {
        for (boolean key : new boolean[] {true, false}) {
            for (int h = 0; h < kvHeads; h++) {
                for (int g = 0; g < groups; g++) {
                    (key ? keyScales : valueScales)[index(key, groups, h, slot, g)] = in.getFloat();
                    for (int i = 0; i < group; i++) {
                        (key ? keyQuants : valueQuants)[index(key, headDim, h, slot, g * group + i)] = in.get();
                    }
                }
            }
        }
    }

    private int index(boolean key, int width, int head, int slot, int i) {
        return key ? keyIndex(width, head, slot, i) : valueIndex(width, head, slot, i);
    }

    @Override
    KvStore grown(int newSlots) {
        Q8_0KvStore grown = new Q8_0KvStore(kvHeads, headDim, newSlots);
        copyHeads(keyQuants, grown.keyQuants, headDim, newSlots);
        copyHeads(keyScales, grown.keyScales, groups, newSlots);
        copyHeads(valueQuants, grown.valueQuants, headDim, newSlots);
        copyHeads(valueScales, grown.valueScales, groups, newSlots);
        return grown;
    }

    @Override
    public void keyScores(int head, float[] q, int qOffset, float scale, int from, int count, float[] out, int outOffset) {
        KvKernels.keyScoresQ8(keyQuants, head * slots * headDim, keyScales, head * slots * groups, headDim, q, qOffset,
                scale, from, count, out, outOffset);
    }

    @Override
    public void addValues(int head, float[] weights, int wOffset, int from, int count, float[] out, int outOffset) {
        KvKernels.addValuesQ8(valueQuants, head * slots * headDim, valueScales, head * slots * groups, headDim, weights,
                wOffset, from, count, out, outOffset);
    }
}
