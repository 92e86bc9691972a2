package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;
import io.streamllm.api.LiteralSpans;

import io.streamllm.gguf.GgufFile;
import io.streamllm.util.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;

import static io.streamllm.tokenizer.SentencePieceTokenizerTest.ids;
import static io.streamllm.tokenizer.SentencePieceTokenizerTest.resource;
import static io.streamllm.tokenizer.ToyByteLevelVocabulary.BOS_ID;
import static io.streamllm.tokenizer.ToyByteLevelVocabulary.EOT_ID;
import static io.streamllm.tokenizer.ToyByteLevelVocabulary.USER_DEFINED_ID;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * GPT-2 byte-level BPE from GGUF, on the toy vocabulary of {@link ToyByteLevelVocabulary}: ids 0..255 are
 * the bytes, 256 + i the result of merge i. Expected ids are derived by hand in the comments, and
 * checked against llama.cpp on the same GGUF files.
 */
class ByteLevelBpeTokenizerTest {
    @TempDir
    static Path directory;

    private static Tokenizer load(String pre) {
        Path file = ToyByteLevelVocabulary.write(directory.resolve("toy-" + pre + ".gguf"), pre);
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizers.fromGguf(gguf.metadata());
        }
    }

    // ---- the pre-tokenizer splits ----

    private static List<String> split(Pattern pattern, String text) {
        List<String> words = new ArrayList<>();
        PreTokenizer.isolating(pattern).split(text, true, words::add);
        return words;
    }

    private static final String SPLIT_TEXT = "I'm 12345 héllo!!  \n\n 😀 IT'S";

    @Test
    void llama3SplitsNumbersIntoGroupsOfThreeAndContractionsInAnyCase() {
        assertThat(split(PreTokenizer.LLAMA3_PATTERN, SPLIT_TEXT)).containsExactly(
                "I", "'m", " ", "123", "45", " héllo", "!!", "  \n\n", " 😀", " IT", "'S");
    }

    @Test
    void qwen2SplitsEveryDigit() {
        assertThat(split(PreTokenizer.QWEN2_PATTERN, SPLIT_TEXT)).containsExactly(
                "I", "'m", " ", "1", "2", "3", "4", "5", " héllo", "!!", "  \n\n", " 😀", " IT", "'S");
    }

    @Test
    void gpt2KeepsNumbersWholeAndContractionsLowercase() {
        assertThat(split(PreTokenizer.GPT2_PATTERN, SPLIT_TEXT)).containsExactly(
                "I", "'m", " 12345", " héllo", "!!", "  \n\n", " 😀", " IT", "'", "S");
    }

    @Test
    void spacesBeforeAWordLeaveOneSpaceForTheWord() {
        // "\s+(?!\S)" takes the spaces but the last, which goes with the word; spaces at the end stay together.
        assertThat(split(PreTokenizer.LLAMA3_PATTERN, "a   b\tc   ")).containsExactly("a", "  ", " b", "\tc", "   ");
        assertThat(split(PreTokenizer.LLAMA3_PATTERN, "x.\n\ny")).containsExactly("x", ".\n\n", "y");
    }

    // ---- whole tokenizations, derived by hand ----

    @Test
    void llama3MergesWithinTheSplitWords() {
        Tokenizer tokenizer = load("llama-bpe");
        // "it" "'s" " " "123" "45" " the": i+t -> 267, '+s -> 263, Ġ 32, 1+2 -> 12, 12+3 -> 258, 4 5 unmerged,
        // Ġ+t -> Ġt and h+e -> he, then Ġt+he -> 261. Unsplit, "t '" (262) would have won over "i t".
        assertThat(tokenizer.encode("it's 12345 the", false, false)).containsExactly(267, 263, 32, 258, 52, 53, 261);
        // "1234": "123" "4"; "3 4" outranks "1 2" but 3 and 4 are in different words.
        assertThat(tokenizer.encode("1234", false, false)).containsExactly(258, 52);
        // "Hello" "!!\n\n" "the": l+l first (rank 14), then H+e, He+ll, Hell+o = 278; Ċ+Ċ (265) before !+! (266).
        assertThat(tokenizer.encode("Hello!!\n\nthe", false, false)).containsExactly(278, 266, 265, 116, 260);
        // "héllo": h Ã © l l o; Ã+© (268) first, then h+Ã© (269), then l+l (270).
        assertThat(tokenizer.encode("héllo", false, false)).containsExactly(269, 270, 111);
        // " 😀" is one word of five bytes that no merge joins.
        assertThat(tokenizer.encode(" 😀", false, false)).containsExactly(32, 0xF0, 0x9F, 0x98, 0x80);
        // Three trailing spaces: one word, the leftmost pair merges first.
        assertThat(tokenizer.encode("a   ", false, false)).containsExactly(97, 264, 32);
    }

    @Test
    void qwen2AndGpt2CutNumbersDifferently() {
        // Qwen2: every digit is a word, so no digit merge applies.
        assertThat(load("qwen2").encode("1234", false, false)).containsExactly(49, 50, 51, 52);
        // GPT-2: "1234" is one word; 3+4 (rank 0) first, then 1+2: "12" "34".
        assertThat(load("gpt-2").encode("1234", false, false)).containsExactly(257, 256);
        // GPT-2 keeps " 12345" with its space: Ġ 1 2 3 4 5 -> 3+4, then 1+2: Ġ 12 34 5.
        assertThat(load("gpt-2").encode(" 12345", false, false)).containsExactly(32, 257, 256, 53);
    }

    @Test
    void specialTokensAreCutOutWhenParsedAndUserDefinedOnesAlways() {
        Tokenizer tokenizer = load("llama-bpe");
        String text = "x<|eot_id|>y <tool> z";
        assertThat(tokenizer.encode(text, false, true)).containsExactly(120, EOT_ID, 121, 32, USER_DEFINED_ID, 32, 122);
        int[] plain = tokenizer.encode(text, false, false);
        assertThat(plain).doesNotContain(EOT_ID).contains(USER_DEFINED_ID);
        assertThat(tokenizer.decode(plain)).isEqualTo(text);
        // Control tokens decode to nothing; user-defined ones to their text; piece() shows both.
        assertThat(tokenizer.decode(tokenizer.encode(text, false, true))).isEqualTo("xy <tool> z");
        assertThat(tokenizer.piece(EOT_ID)).isEqualTo("<|eot_id|>");
    }

    @Test
    void specialTokensInLiteralSpansStayTextAndUserDefinedOnesAreStillCutOut() {
        Tokenizer tokenizer = load("llama-bpe");
        String markup = "<|eot_id|>";
        String content = "a<|eot_id|>b <tool>";
        String text = markup + content + markup;
        LiteralSpans literal = new LiteralSpans.Builder().add(markup.length(), markup.length() + content.length()).build();
        int[] ids = tokenizer.encode(text, false, literal);
        assertThat(ids[0]).isEqualTo(EOT_ID);
        assertThat(ids[ids.length - 1]).isEqualTo(EOT_ID);
        assertThat(Arrays.stream(ids).filter(id -> id == EOT_ID).count()).isEqualTo(2);
        assertThat(ids).contains(USER_DEFINED_ID);
        assertThat(Arrays.copyOfRange(ids, 1, ids.length - 1)).containsExactly(tokenizer.encode(content, false, false));
        // A special token's text that reaches into a literal stretch stays text.
        int[] straddling = tokenizer.encode("<|eot_id|>", false, new LiteralSpans.Builder().add(9, 10).build());
        assertThat(straddling).doesNotContain(EOT_ID);
    }

    @Test
    void literalSpansAreSlicedAndShifted() {
        LiteralSpans spans = new LiteralSpans.Builder().add(2, 5).add(5, 7).add(10, 12).build();
        assertThat(spans.bounds()).containsExactly(2, 7, 10, 12);
        assertThat(spans.overlaps(0, 2)).isFalse();
        assertThat(spans.overlaps(6, 10)).isTrue();
        assertThat(spans.overlaps(7, 10)).isFalse();
        assertThat(spans.overlaps(11, 11)).isFalse();
        assertThat(spans.slice(4, 11).bounds()).containsExactly(0, 3, 6, 7);
        assertThat(spans.shift(1).bounds()).containsExactly(3, 8, 11, 13);
        assertThatThrownBy(() -> new LiteralSpans.Builder().add(5, 6).add(1, 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void specialTokensComeFromTheMetadata() {
        Tokenizer llama3 = load("llama-bpe");
        assertThat(llama3.specials()).isEqualTo(new SpecialTokens(BOS_ID, EOT_ID, java.util.Set.of(EOT_ID), true));
        assertThat(llama3.encode("it")).containsExactly(BOS_ID, 267);
        // Other GPT-2 style vocabularies add no BOS unless the file says so.
        assertThat(load("qwen2").specials().addBos()).isFalse();
        assertThat(load("qwen2").encode("it")).containsExactly(267);
        assertThat(llama3.stripsLeadingSpace()).isFalse();
    }

    /** The same texts tokenized by llama.cpp (see src/test/resources/tokenizer/README.md). */
    @Test
    void reproducesLlamaCppForEachPreTokenizer() throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(resource("toy-byte-level-llamacpp.json")));
        assertThat(reference.keySet()).containsExactlyInAnyOrder("llama-bpe", "qwen2", "gpt-2");
        for (Map.Entry<String, Object> byPre : reference.entrySet()) {
            Tokenizer tokenizer = load(byPre.getKey());
            for (Object entry : (List<?>) byPre.getValue()) {
                Map<?, ?> testCase = (Map<?, ?>) entry;
                String text = (String) testCase.get("text");
                assertThat(tokenizer.encode(text, false, false)).as("%s plain: %s", byPre.getKey(), text)
                        .containsExactly(ids(testCase.get("ids")));
                assertThat(tokenizer.encode(text, false, true)).as("%s parse special: %s", byPre.getKey(), text)
                        .containsExactly(ids(testCase.get("ids_parse_special")));
            }
        }
    }

    // ---- decoding ----

    @Test
    void everyByteTokenDecodesToItsByte() {
        Tokenizer tokenizer = load("llama-bpe");
        for (int b = 0; b < 256; b++) {
            assertThat(tokenizer.decodeBytes(b)).as("byte %d", b).containsExactly((byte) b);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama-bpe", "qwen2", "gpt-2"})
    void randomUnicodeTextSurvivesARoundTrip(String pre) {
        Tokenizer tokenizer = load(pre);
        Random random = new Random(42);
        int[][] ranges = {{0x00, 0x7F}, {0x80, 0x7FF}, {0x800, 0xD7FF}, {0xE000, 0xFFFF}, {0x10000, 0x10FFFF}, {' ', ' '}, {'0', '9'}};
        for (int round = 0; round < 200; round++) {
            StringBuilder text = new StringBuilder();
            int length = random.nextInt(40);
            for (int i = 0; i < length; i++) {
                int[] range = ranges[random.nextInt(ranges.length)];
                text.appendCodePoint(range[0] + random.nextInt(range[1] - range[0] + 1));
            }
            String original = text.toString();
            assertThat(tokenizer.decode(tokenizer.encode(original, false, false))).isEqualTo(original);
            assertThat(tokenizer.decode(tokenizer.encode(original))).isEqualTo(original);
        }
    }

    @Test
    void bytesThatAreNoUtf8DecodeToReplacementCharacters() {
        Tokenizer tokenizer = load("llama-bpe");
        // A lone continuation byte, a truncated 3-byte sequence followed by 'A', and 0xFF.
        assertThat(tokenizer.decode(new int[]{0x80, 'o', 'k'})).isEqualTo("\uFFFDok");
        assertThat(tokenizer.decode(new int[]{0xE2, 0x82, 'A'})).isEqualTo("\uFFFDA");
        assertThat(tokenizer.decode(new int[]{0xFF})).isEqualTo("\uFFFD");
        assertThat(tokenizer.decode(new int[]{'a', 0xE2, 0x82})).isEqualTo("a\uFFFD");
        assertThat(new String(tokenizer.decodeBytes(0x20), StandardCharsets.UTF_8)).isEqualTo(" ");
    }
}
