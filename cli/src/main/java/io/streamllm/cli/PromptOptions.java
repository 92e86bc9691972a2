package io.streamllm.cli;

import io.streamllm.api.StreamllmException;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * The text a command works on, given as llama.cpp takes it: on the command line, from stdin, or from a file,
 * so that a long prompt need not fit in the argument list (a few hundred KB on Linux).
 */
final class PromptOptions {

    @Option(names = {"-p", "--prompt"}, paramLabel = "PROMPT", description = "the text; - reads it from stdin")
    String prompt;

    @Option(names = {"-f", "--file"}, paramLabel = "PROMPT_FILE",
            description = "read the text from a UTF-8 file (one final newline is dropped, as llama.cpp does)")
    Path file;

    /** The text given, or {@code fallback} when none was; a null fallback means the text is required. */
    String text(String fallback) {
        if (prompt != null && file != null) {
            throw new IllegalArgumentException("give the text either with -p or with -f, not both");
        }
        if (file != null) {
            return withoutFinalNewline(read(file));
        }
        if ("-".equals(prompt)) {
            return withoutFinalNewline(readStdin());
        }
        if (prompt != null) {
            return prompt;
        }
        if (fallback == null) {
            throw new IllegalArgumentException("give the text with -p TEXT, -p - (stdin) or -f FILE");
        }
        return fallback;
    }

    private static String read(Path file) {
        try {
            return decode(Files.readAllBytes(file), file.toString());
        } catch (NoSuchFileException e) {
            throw new StreamllmException(file + ": no such file");
        } catch (IOException e) {
            throw new StreamllmException(file + ": cannot read: " + e.getMessage());
        }
    }

    private static String readStdin() {
        try {
            return decode(System.in.readAllBytes(), "stdin");
        } catch (IOException e) {
            throw new StreamllmException("cannot read the prompt from stdin: " + e.getMessage());
        }
    }

    private static String decode(byte[] bytes, String source) {
        try {
            return StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new StreamllmException(source + ": the prompt is not UTF-8 text");
        }
    }

    private static String withoutFinalNewline(String text) {
        if (text.endsWith("\r\n")) {
            return text.substring(0, text.length() - 2);
        }
        return text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
    }
}
