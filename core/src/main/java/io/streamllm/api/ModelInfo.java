package io.streamllm.api;

import java.nio.file.Path;

/**
 * What a loaded model is: read from its file, fixed for its lifetime.
 *
 * @param name            a short name for display (the file or directory name)
 * @param source          the GGUF file or Hugging Face directory it was loaded from
 * @param architecture    the architecture's GGUF name, e.g. {@code llama}, {@code qwen2}
 * @param contextLength   the context it was trained on: a dense cache past this degrades, a sink cache does not
 * @param vocabularySize  tokens in its vocabulary
 * @param layers          transformer blocks
 * @param embeddingLength width of the residual stream
 * @param heads           query heads per layer
 * @param kvHeads         key/value heads per layer (fewer than {@code heads} with grouped-query attention)
 * @param headDim         width of one head
 * @param kvBytesPerToken bytes of keys and values one cached token takes in f32, all layers
 */
public record ModelInfo(String name, Path source, String architecture, int contextLength, int vocabularySize,
                        int layers, int embeddingLength, int heads, int kvHeads, int headDim, long kvBytesPerToken) {
}
