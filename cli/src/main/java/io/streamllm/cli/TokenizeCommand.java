package io.streamllm.cli;

import io.streamllm.api.Tokenizer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = "Prints the token ids of a text as a JSON array (with BOS when the model adds one).")
final class TokenizeCommand implements Callable<Integer> {

    @Mixin
    ModelOptions modelOptions;

    /** The text to tokenize. */
    @Mixin
    PromptOptions prompt;

    @Option(names = "--no-parse-special", description = "encode special-token text such as <|eot_id|> as plain text")
    boolean noParseSpecial;

    @Override
    public Integer call() {
        String text = prompt.text(null);
        // Only the vocabulary: no weights are needed, and a vocabulary-only GGUF has none.
        Tokenizer tokenizer = Tokenizer.load(modelOptions.modelPath());
        int[] ids = tokenizer.encode(text, true, !noParseSpecial);
        System.out.println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(", ", "[", "]")));
        return 0;
    }
}
