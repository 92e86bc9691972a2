package io.streamllm.kv;

import io.streamllm.tensor.NarrowVectorKernelTest;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;

/**
 * The KV kernels for any vector width: {@link KvKernelCheck} in JVMs limited to 256-bit vectors (AVX2) and
 * 128-bit vectors (4 lanes: a q8_0 byte load covers two dimensions of a key block, two float vectors of values).
 */
class NarrowVectorKvKernelTest {

    @ParameterizedTest(name = "MaxVectorSize={0}")
    @ValueSource(ints = {32, 16})
    void kvKernelsPassWithNarrowerVectors(int maxVectorBytes) throws IOException, InterruptedException {
        NarrowVectorKernelTest.runWithNarrowerVectors(KvKernelCheck.class, maxVectorBytes);
    }
}
