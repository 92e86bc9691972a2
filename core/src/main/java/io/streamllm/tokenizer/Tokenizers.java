package io.streamllm.tokenizer;

import io.streamllm.gguf.GgufMetadata;

import java.nio.file.Path;

/** TEMPORARY STUB until the tokenizer branch lands. */
public final class Tokenizers {
    public static Tokenizer fromGguf(GgufMetadata metadata) {
        return null;
    }

    public static Tokenizer fromHuggingFace(Path directory) {
        return null;
    }
}
