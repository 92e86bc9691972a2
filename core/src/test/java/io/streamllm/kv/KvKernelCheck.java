package io.streamllm.kv;

import io.streamllm.api.KvType;

import io.streamllm.tensor.KvKernels;

/**
 * {@link KvStoreTest}'s kernel check for every KV type, as a program: {@link NarrowVectorKvKernelTest} runs it
 * in JVMs limited to 256-bit and 128-bit vectors (where one byte load of q8_0 feeds two float vectors).
 */
public final class KvKernelCheck {
    private KvKernelCheck() {
    }

    public static void main(String[] args) {
        System.out.println("float vector bits: " + 32 * KvKernels.SLOTS_PER_BLOCK);
        int failures = 0;
        String[][] cases = {{"f32", "64"}, {"f32", "10"}, {"f16", "64"}, {"f16", "10"}, {"q8_0", "64"}, {"q8_0", "96"},
                {"q8_0", "8"}, {"q8_0", "16"}};
        for (String[] c : cases) {
            try {
                KvStoreTest.checkKernels(KvType.parse(c[0]), Integer.parseInt(c[1]));
            } catch (AssertionError e) {
                failures++;
                System.out.println("FAILED " + c[0] + " head dim " + c[1] + ": " + e.getMessage());
            }
        }
        System.out.println("\n" + failures + " failures");
        System.exit(failures == 0 ? 0 : 1);
    }
}
