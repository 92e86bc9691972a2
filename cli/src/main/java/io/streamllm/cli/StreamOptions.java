package io.streamllm.cli;

import io.streamllm.eval.TokenStream;
import io.streamllm.api.StreamingModel;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** The long stream an evaluation scores: a text or a token file, optionally cut short. */
final class StreamOptions {

    @Option(names = "--text", paramLabel = "FILE", description = "a UTF-8 text, tokenized without BOS")
    Path text;

    @Option(names = "--tokens", paramLabel = "FILE.json",
            description = "a JSON array of token ids, or an object with a \"tokens\" array (as reference/*-stream-seed0.json)")
    Path tokens;

    @Option(names = "--max-tokens", paramLabel = "N", description = "score only the first N tokens of the stream")
    Integer maxTokens;

    TokenStream load(StreamingModel model) {
        if ((text == null) == (tokens == null)) {
            throw new IllegalArgumentException("give the stream as either --text FILE or --tokens FILE.json");
        }
        long start = System.nanoTime();
        TokenStream stream = text != null ? TokenStream.fromText(text, model.tokenizer())
                : TokenStream.fromTokensFile(tokens, model.info().vocabularySize());
        int total = stream.length();
        if (maxTokens != null) {
            stream = stream.limit(maxTokens);
        }
        Console.status(String.format("stream: %,d of %,d tokens of %s (read in %.1f s)", stream.length(), total,
                stream.source(), (System.nanoTime() - start) / 1e9));
        // Tokenizing a long text up front leaves hundreds of MB of garbage (the KJV: the RSS stood at 811 MiB
        // for the first 30k tokens, 143 MiB after G1's periodic collection). Collecting it now lets G1 shrink
        // the heap before scoring starts, so the RSS is flat from the first token on.
        System.gc();
        return stream;
    }
}
