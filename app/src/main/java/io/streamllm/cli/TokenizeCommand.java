package io.streamllm.cli;

import picocli.CommandLine.Command;

import java.util.concurrent.Callable;

@Command(name = "tokenize", mixinStandardHelpOptions = true, description = "Prints the token ids of a text.")
final class TokenizeCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("not yet");
    }
}
