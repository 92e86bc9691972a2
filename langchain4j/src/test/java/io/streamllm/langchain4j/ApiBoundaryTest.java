package io.streamllm.langchain4j;

import io.streamllm.testing.ApiBoundary;
import org.junit.jupiter.api.Test;

/** The LangChain4j model uses only core's public API ({@link ApiBoundary}). */
class ApiBoundaryTest {
    @Test
    void noClassOutsideCoreUsesCoreOutsideItsApi() throws Exception {
        ApiBoundary.check();
    }
}
