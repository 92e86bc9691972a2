package io.streamllm;

import io.streamllm.testing.ApiBoundary;
import org.junit.jupiter.api.Test;

/** cli, server and chat use only core's public API ({@link ApiBoundary}). */
class ApiBoundaryTest {
    @Test
    void noClassOutsideCoreUsesCoreOutsideItsApi() throws Exception {
        ApiBoundary.check();
    }
}
