package io.streamllm.model;

import io.streamllm.engine.Session;
import io.streamllm.kv.CachePolicy;
import io.streamllm.testing.AllocationMeter;
import io.streamllm.testing.References;
import io.streamllm.testing.TestPool;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A sink stream through GPT-NeoX, Falcon and MPT allocates nothing per token once warm: LayerNorm, the GELU
 * table, ALiBi, the clamp and the parallel residual all work in the stream's buffers.
 */
class GeluArchitectureAllocationTest {
    private static final double MAX_BYTES_PER_TOKEN = 64;

    @ParameterizedTest
    @ValueSource(strings = {"gptneox", "falcon", "mpt"})
    void aSinkStreamAllocatesNothingPerToken(String name) {
        try (Model model = ModelLoader.load(References.file("arch/" + name + ".gguf"), TestPool.shared())) {
            Session session = new Session(model.network(), CachePolicy.parse("sink:4:12"));
            double perToken = AllocationMeter.bytesPerToken(() -> {
                for (int i = 0; i < 200; i++) {
                    session.feed(3 + i % 297);
                }
                return 200;
            }, 50, 50);
            assertThat(perToken).as(name).isLessThan(MAX_BYTES_PER_TOKEN);
        }
    }
}
