/**
 * streamllm's engine: language models that stream for ever with attention sinks (StreamingLLM). The public API is
 * the package {@code io.streamllm.api}; every other package is internal and may change in any release.
 */
module io.streamllm.core {
    requires jdk.incubator.vector;

    exports io.streamllm.api;
}
