package io.streamllm.api;

import io.streamllm.testing.AllocationMeter;
import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A token-by-token step ({@code negativeLogLikelihood(int)}, then {@code append(int)}) allocates nothing. In a JVM
 * of its own (the *AllocationTest execution): after hundreds of other tests, C2 may compile the kernels without
 * inlining their vector helpers and box their vectors, which measured 722 bytes per step once.
 */
class TokenByTokenAllocationTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();
    private static final int[] TEXT = model.tokenizer().encode("One day, a little girl named Lily found a needle.");

    @Test
    void aStepAllocatesNothing() {
        StreamingSession session = model.newSession(CachePolicy.sink(4, 60));
        session.append(TEXT[0]);
        int[] next = {1};
        double bytes = AllocationMeter.bytesPerToken(() -> {
            int token = TEXT[next[0]++ % TEXT.length];
            session.negativeLogLikelihood(token);
            session.append(token);
            return 1;
        }, 20_000, 4_000); // a JVM of its own: long enough a warm-up for C2 to compile the kernels
        assertThat(bytes).isLessThan(16);
    }
}
