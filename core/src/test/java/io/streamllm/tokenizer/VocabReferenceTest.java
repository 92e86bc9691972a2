package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.gguf.GgufFile;
import io.streamllm.testing.References;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * llama.cpp's vocabulary-only GGUFs (reference/vocab: GPT-2, Falcon, MPT, DeepSeek LLM, Llama 2 SentencePiece,
 * Phi-3) with the ids Hugging Face's {@code tokenizers} gives for each test string: every string must give
 * exactly those ids (no BOS, special-token text as plain text). The files have no weights and some name an
 * architecture the engine does not run: the tokenizer needs only the vocabulary.
 */
class VocabReferenceTest {
    private static final String SEPARATOR = "\n__ggml_vocab_test__\n";

    @TestFactory
    Stream<DynamicTest> everyVocabularyGivesTheReferenceIds() throws IOException {
        Path folder = References.directory("vocab");
        List<Path> vocabularies;
        try (Stream<Path> list = Files.list(folder)) {
            vocabularies = list.filter(p -> p.toString().endsWith(".gguf")).sorted().toList();
        }
        assertThat(vocabularies).hasSize(6);
        return vocabularies.stream().map(file -> DynamicTest.dynamicTest(file.getFileName().toString(), () -> check(file)));
    }

    private static void check(Path gguf) throws IOException {
        List<String> texts = splitTests(Files.readString(gguf.resolveSibling(gguf.getFileName() + ".inp"), StandardCharsets.UTF_8));
        List<String> expected = Files.readString(gguf.resolveSibling(gguf.getFileName() + ".out"), StandardCharsets.UTF_8)
                .lines().toList();
        assertThat(expected).hasSameSizeAs(texts);
        Tokenizer tokenizer;
        try (GgufFile file = GgufFile.open(gguf)) {
            tokenizer = Tokenizers.fromGguf(file.metadata());
        }
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ids = tokenizer.encode(texts.get(i), false, false);
            String actual = Arrays.stream(ids).mapToObj(id -> " " + id).reduce("", String::concat);
            if (!actual.equals(expected.get(i))) {
                mismatches.add("  " + quote(texts.get(i)) + "\n    expected" + expected.get(i) + "\n    actual  " + actual);
            }
        }
        assertThat(mismatches).as("%s: %d of %d strings tokenized differently", gguf.getFileName(), mismatches.size(), texts.size())
                .isEmpty();
    }

    /** The strings of an .inp file, as llama.cpp's test-tokenizer-0 reads them: each one ends with the separator. */
    private static List<String> splitTests(String text) {
        List<String> texts = new ArrayList<>();
        int start = 0;
        for (int end = text.indexOf(SEPARATOR); end >= 0; end = text.indexOf(SEPARATOR, start)) {
            texts.add(text.substring(start, end));
            start = end + SEPARATOR.length();
        }
        return texts;
    }

    private static String quote(String text) {
        return "'" + text.replace("\n", "\\n").replace("\t", "\\t") + "'";
    }
}
