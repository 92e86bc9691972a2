package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.tensor.KvKernels;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Every KV store type against plain scalar twins: what a slot stores reads back within the type's
 * rounding, and the vector kernels (scores over transposed key blocks, weighted sums of values) equal
 * a double-precision loop over the values read back, on ranges that start and end inside blocks.
 * Rows span extreme magnitudes (1e-6 to 1e3) so that per-group scales are exercised.
 */
class KvStoreTest {
    private static final int HEADS = 2;

    @ParameterizedTest(name = "{0}, head dim {1}")
    @CsvSource({"f32, 64", "f32, 10", "f16, 64", "f16, 10", "q8_0, 64", "q8_0, 96", "q8_0, 8", "q8_0, 16"})
    void kernelsEqualTheirScalarTwins(String typeName, int headDim) {
        checkKernels(KvType.parse(typeName), headDim);
    }

    /** The check of {@link #kernelsEqualTheirScalarTwins}; also run by {@link KvKernelCheck} in JVMs with narrower vectors. */
    static void checkKernels(KvType type, int headDim) {
        int slots = 3 * KvKernels.SLOTS_PER_BLOCK + 5;
        KvStore store = KvStore.create(type, HEADS, headDim, slots);
        float[][] keys = new float[slots][];
        float[][] values = new float[slots][];
        SplittableRandom random = new SplittableRandom(headDim);
        for (int s = 0; s < slots; s++) {
            keys[s] = randomRow(random, HEADS * headDim);
            values[s] = randomRow(random, HEADS * headDim);
            store.store(s, keys[s], values[s], 0);
        }
        float[][] storedKeys = new float[slots][HEADS * headDim];
        float[][] storedValues = new float[slots][HEADS * headDim];
        for (int s = 0; s < slots; s++) {
            store.load(s, storedKeys[s], storedValues[s], 0);
            assertRounded(type, keys[s], storedKeys[s], headDim);
            assertRounded(type, values[s], storedValues[s], headDim);
        }

        float[] q = randomRow(random, headDim + 3);
        float[] weights = randomRow(random, slots);
        int[][] ranges = {{0, slots}, {0, 0}, {3, 1}, {1, 2 * KvKernels.SLOTS_PER_BLOCK}, {KvKernels.SLOTS_PER_BLOCK, 5},
                {slots - 7, 7}, {2, slots - 4}};
        for (int head = 0; head < HEADS; head++) {
            for (int[] range : ranges) {
                int from = range[0], count = range[1];
                float[] scores = new float[count + 2];
                store.keyScores(head, q, 3, 0.5f, from, count, scores, 1);
                float[] out = new float[headDim + 1];
                store.addValues(head, weights, 0, from, count, out, 1);
                double[] expectedOut = new double[headDim];
                for (int j = 0; j < count; j++) {
                    double dot = 0, magnitude = 0;
                    for (int d = 0; d < headDim; d++) {
                        float k = storedKeys[from + j][head * headDim + d];
                        dot += (double) q[3 + d] * k;
                        magnitude += Math.abs((double) q[3 + d] * k);
                        expectedOut[d] += (double) weights[j] * storedValues[from + j][head * headDim + d];
                    }
                    assertThat((double) scores[1 + j]).as("score of slot %d, head %d", from + j, head)
                            .isCloseTo(0.5 * dot, Offset.offset(1e-5 * magnitude + 1e-30));
                }
                assertThat(scores[0]).as("written before the range").isZero();
                assertThat(scores[count + 1]).as("written after the range").isZero();
                for (int d = 0; d < headDim; d++) {
                    double magnitude = 0;
                    for (int j = 0; j < count; j++) {
                        magnitude += Math.abs((double) weights[j] * storedValues[from + j][head * headDim + d]);
                    }
                    assertThat((double) out[1 + d]).isCloseTo(expectedOut[d], Offset.offset(1e-5 * magnitude + 1e-30));
                }
                assertThat(out[0]).isZero();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"f32", "f16", "q8_0"})
    void snapshotEncodingAndGrowthKeepEverySlotExactly(String typeName) {
        KvType type = KvType.parse(typeName);
        int headDim = 64;
        int slots = KvKernels.SLOTS_PER_BLOCK + 3;
        KvStore store = KvStore.create(type, HEADS, headDim, slots);
        KvStore copy = KvStore.create(type, HEADS, headDim, slots);
        SplittableRandom random = new SplittableRandom(7);
        ByteBuffer row = ByteBuffer.allocate(store.bytesPerSlot());
        for (int s = 0; s < slots; s++) {
            store.store(s, randomRow(random, HEADS * headDim), randomRow(random, HEADS * headDim), 0);
            row.clear();
            store.encode(s, row);
            assertThat(row.remaining()).as("encode fills bytesPerSlot").isZero();
            row.flip();
            copy.decode(s, row);
        }
        KvStore grown = store.grownTo(5 * slots);
        assertThat(grown.slots).isGreaterThanOrEqualTo(5 * slots);
        assertThat(grown.allocatedBytes()).isEqualTo((long) grown.slots * store.bytesPerSlot());
        for (int s = 0; s < slots; s++) {
            float[] k = new float[HEADS * headDim], v = new float[HEADS * headDim];
            float[] k2 = new float[HEADS * headDim], v2 = new float[HEADS * headDim];
            float[] k3 = new float[HEADS * headDim], v3 = new float[HEADS * headDim];
            store.load(s, k, v, 0);
            copy.load(s, k2, v2, 0);
            grown.load(s, k3, v3, 0);
            assertThat(k2).containsExactly(k);
            assertThat(v2).containsExactly(v);
            assertThat(k3).containsExactly(k);
            assertThat(v3).containsExactly(v);
        }
    }

    @Test
    void q8_0NeedsHeadsOfWholeGroups() {
        assertThatThrownBy(() -> KvStore.create(KvType.Q8_0, 4, 48, 16))
                .hasMessageContaining("the KV type q8_0 needs a head dimension that is a multiple of 32")
                .hasMessageContaining("is 48");
        assertThatThrownBy(() -> KvStore.create(KvType.Q8_0, 4, 7, 16)).hasMessageContaining("is 7");
        assertThatThrownBy(() -> KvType.parse("q4"))
                .hasMessage("unknown KV cache type 'q4' (expected f32, f16 or q8_0)");
    }

    /** Stored elements are within the type's rounding of what was written. */
    private static void assertRounded(KvType type, float[] written, float[] stored, int headDim) {
        for (int i = 0; i < written.length; i++) {
            double error = Math.abs(written[i] - stored[i]);
            switch (type) {
                case F32 -> assertThat(stored[i]).isEqualTo(written[i]);
                case F16 -> assertThat(error).isLessThanOrEqualTo(Math.abs(written[i]) * 0x1p-11 + 0x1p-25);
                case Q8_0 -> {
                    int size = KvKernels.q8Group(headDim);
                    int group = i / size * size;
                    double max = 0;
                    for (int j = group; j < group + size; j++) {
                        max = Math.max(max, Math.abs(written[j]));
                    }
                    // Half a quantization step, plus the float rounding of the scale and of x / scale (~127 * 2^-24 of a step).
                    assertThat(error).isLessThanOrEqualTo(max / 254 * (1 + 1e-4));
                }
            }
        }
    }

    /** Elements of magnitudes from 1e-6 to 1e3, one magnitude per 8 elements (so q8_0 groups span several). */
    private static float[] randomRow(SplittableRandom random, int n) {
        float[] row = new float[n];
        double magnitude = 1;
        for (int i = 0; i < n; i++) {
            if (i % 8 == 0) {
                magnitude = Math.pow(10, random.nextInt(-6, 4));
            }
            row[i] = (float) (random.nextGaussian() * magnitude);
        }
        return row;
    }
}
