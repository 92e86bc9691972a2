package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;

import io.streamllm.testing.References;

import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufWriter;
import io.streamllm.util.Json;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** SentencePiece-style BPE on stories260K, against llama.cpp's tokenizations. */
class SentencePieceTokenizerTest {
    private static GgufFile gguf;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() {
        gguf = GgufFile.open(References.model("stories260K/stories260K.gguf"));
        tokenizer = Tokenizers.fromGguf(gguf.metadata());
    }

    @AfterAll
    static void close() {
        gguf.close();
    }

    /**
     * A toy vocabulary: "▁a" outscores "ab", so "ab é" is ▁a b ▁ é. The é is no token: with byte tokens
     * (SentencePiece's byte fallback) it is its two UTF-8 bytes, without them one unknown token.
     */
    @Test
    void aCharacterOutsideTheVocabularyIsItsBytesWithByteFallbackAndUnknownWithout(@TempDir Path directory) {
        String[] pieces = {"<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "<0xC3>", "<0xA9>"};
        float[] scores = {0, 0, 0, -5, -6, -7, -1, -2, 0, 0};
        int[] types = {2, 3, 3, 1, 1, 1, 1, 1, 6, 6};
        Tokenizer withBytes = toySentencePiece(directory.resolve("bytes.gguf"), pieces, scores, types);
        Tokenizer withoutBytes = toySentencePiece(directory.resolve("no-bytes.gguf"), Arrays.copyOf(pieces, 8),
                Arrays.copyOf(scores, 8), Arrays.copyOf(types, 8));
        assertThat(withBytes.encode("ab \u00e9", true, false)).containsExactly(1, 6, 5, 3, 8, 9);
        assertThat(withoutBytes.encode("ab \u00e9", true, false)).containsExactly(1, 6, 5, 3, 0);
        assertThat(withBytes.decode(new int[] {1, 6, 5, 3, 8, 9})).isEqualTo("ab \u00e9");
    }

    private static Tokenizer toySentencePiece(Path file, String[] pieces, float[] scores, int[] types) {
        new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", pieces)
                .putFloats("tokenizer.ggml.scores", scores)
                .putInts("tokenizer.ggml.token_type", types)
                .putUInt32("tokenizer.ggml.bos_token_id", 1)
                .putUInt32("tokenizer.ggml.eos_token_id", 2)
                .putUInt32("tokenizer.ggml.unknown_token_id", 0)
                .write(file);
        try (GgufFile toy = GgufFile.open(file)) {
            return Tokenizers.fromGguf(toy.metadata());
        }
    }

    @Test
    void isTheSentencePieceTokenizerWithTheModelsSpecialTokens() {
        assertThat(tokenizer).isInstanceOf(SentencePieceTokenizer.class);
        assertThat(tokenizer.vocabularySize()).isEqualTo(512);
        SpecialTokens specials = tokenizer.specials();
        assertThat(tokenizer.piece(specials.bos())).isEqualTo("<s>");
        assertThat(tokenizer.piece(specials.eos())).isEqualTo("</s>");
        assertThat(specials.addBos()).isTrue();
        assertThat(specials.endOfGeneration()).containsExactly(specials.eos());
        assertThat(tokenizer.stripsLeadingSpace()).isTrue();
    }

    @Test
    void reproducesTheLlamaCppReferenceTokenizations() throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(References.file("stories260K-llamacpp.json")));
        List<?> cases = (List<?>) reference.get("tokenize");
        assertThat(cases).hasSize(2);
        for (Object entry : cases) {
            Map<?, ?> testCase = (Map<?, ?>) entry;
            String text = (String) testCase.get("text");
            assertThat(tokenizer.encode(text)).as(text).containsExactly(ids(testCase.get("ids")));
        }
    }

    /** More texts tokenized by llama.cpp (see src/test/resources/tokenizer/README.md), with and without special parsing. */
    @Test
    void reproducesLlamaCppOnAssortedTexts() throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(resource("stories260K-llamacpp-more.json")));
        for (Object entry : (List<?>) reference.get("cases")) {
            Map<?, ?> testCase = (Map<?, ?>) entry;
            String text = (String) testCase.get("text");
            assertThat(tokenizer.encode(text, false, false)).as("plain: %s", text).containsExactly(ids(testCase.get("ids")));
            assertThat(tokenizer.encode(text, false, true)).as("parse special: %s", text)
                    .containsExactly(ids(testCase.get("ids_parse_special")));
        }
    }

    @Test
    void specialTokenTextIsATokenOnlyWhenSpecialTokensAreParsed() {
        int bos = tokenizer.specials().bos();
        int eos = tokenizer.specials().eos();
        assertThat(tokenizer.encode("<s>Hello</s> world", false, true)).startsWith(bos).contains(eos);
        assertThat(tokenizer.encode("<s>Hello</s> world", false, false)).doesNotContain(bos, eos);
        assertThat(tokenizer.decode(tokenizer.encode("<s>Hello</s> world", false, false))).isEqualTo("<s>Hello</s> world");
    }

    @Test
    void emptyTextIsJustBos() {
        assertThat(tokenizer.encode("")).containsExactly(tokenizer.specials().bos());
        assertThat(tokenizer.encode("", false, false)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "Once upon a time, Lily met a cat named Tom.",
            "line one\nline two\n\n\nline five\r\n",
            "a  b   c    d",
            "  leading and trailing  ",
            "\ttabs\tinside",
            "héllo wörld, façade, naïve",
            "emoji 😀😀 ok 👍🏽 🎉",
            "日本語の文章と한국어",
            "mixed: ½ € ∑ ∞ ≠ ∅",
            " ",
    })
    void decodingAnEncodedTextGivesItBack(String text) {
        int[] ids = tokenizer.encode(text);
        assertThat(ids[0]).isEqualTo(tokenizer.specials().bos());
        assertThat(tokenizer.decode(ids)).isEqualTo(text);
    }

    /**
     * llama.cpp's llama-simple printed the prompt "One day, Tom" and then the generated pieces as they
     * came; the continuation keeps its first space.
     */
    @Test
    void aStreamedContinuationKeepsItsLeadingSpaceLikeLlamaCpp() throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(References.file("stories260K-llamacpp.json")));
        Map<?, ?> greedy = (Map<?, ?>) ((List<?>) reference.get("greedy")).getFirst();
        String prompt = (String) greedy.get("prompt");
        String output = (String) greedy.get("llama_cpp_output");
        String whole = output.substring("<s> ".length(), output.length() - 1);
        assertThat(whole).startsWith(prompt);
        String continuation = whole.substring(prompt.length());
        assertThat(continuation).startsWith(" and his mom");

        int[] wholeIds = tokenizer.encode(whole);
        int[] promptIds = tokenizer.encode(prompt);
        assertThat(wholeIds).startsWith(promptIds);
        TokenDecoder stream = new TokenDecoder(tokenizer, false);
        StringBuilder streamed = new StringBuilder();
        for (int i = promptIds.length; i < wholeIds.length; i++) {
            streamed.append(stream.append(wholeIds[i]));
        }
        assertThat(streamed.append(stream.flush()).toString()).isEqualTo(continuation);
    }

    @Test
    void wholeTextDecodingDropsTheDummyPrefixAfterBos() {
        int[] ids = tokenizer.encode("Once upon a time");
        assertThat(tokenizer.piece(ids[1])).startsWith("\u2581");
        assertThat(tokenizer.decode(ids)).isEqualTo("Once upon a time");
        // Without BOS too, and a leading space of the text itself survives (it was doubled by the prefix).
        assertThat(tokenizer.decode(tokenizer.encode(" Once", false, false))).isEqualTo(" Once");
    }

    /**
     * stories260K has no token for 😀, 日 or 本, so they become byte tokens ({@code <0x00>} is id 3
     * here, so a byte's token is 3 + its value); streamed one token at a time, each character comes out
     * whole once its last byte arrives, and nothing comes out before.
     */
    @Test
    void multiByteCharactersSplitOverByteTokensStreamWhole() {
        String text = "héllo 😀 日本";
        int[] ids = tokenizer.encode(text, false, false);
        int byteZero = 3;
        assertThat(tokenizer.piece(byteZero)).isEqualTo("<0x00>");
        assertThat(ids).containsSubsequence(byteZero + 0xF0, byteZero + 0x9F, byteZero + 0x98, byteZero + 0x80); // 😀
        assertThat(ids).containsSubsequence(byteZero + 0xE6, byteZero + 0x97, byteZero + 0xA5); // 日
        assertThat(ids).containsSubsequence(byteZero + 0xE6, byteZero + 0x9C, byteZero + 0xAC); // 本

        TokenDecoder decoder = new TokenDecoder(tokenizer, true);
        List<String> pieces = new ArrayList<>();
        for (int id : ids) {
            pieces.add(decoder.append(id));
        }
        assertThat(decoder.flush()).isEmpty();
        assertThat(String.join("", pieces)).isEqualTo(text);
        assertThat(pieces).noneMatch(piece -> piece.contains("\uFFFD"));
        // The first three bytes of 😀 give nothing; the fourth gives the whole emoji.
        int emojiStart = indexOf(ids, byteZero + 0xF0);
        assertThat(pieces.subList(emojiStart, emojiStart + 3)).containsOnly("");
        assertThat(pieces.get(emojiStart + 3)).isEqualTo("😀");
    }

    static int[] ids(Object jsonList) {
        return ((List<?>) jsonList).stream().mapToInt(id -> ((Number) id).intValue()).toArray();
    }

    static Path resource(String name) {
        try {
            return Path.of(SentencePieceTokenizerTest.class.getResource("/tokenizer/" + name).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource tokenizer/" + name, e);
        }
    }

    private static int indexOf(int[] ids, int id) {
        for (int i = 0; i < ids.length; i++) {
            if (ids[i] == id) {
                return i;
            }
        }
        throw new AssertionError("id " + id + " not found");
    }
}
