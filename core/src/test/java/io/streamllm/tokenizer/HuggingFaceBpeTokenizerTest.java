package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;

import io.streamllm.testing.References;

import io.streamllm.api.ModelFormatException;
import io.streamllm.util.Json;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.streamllm.tokenizer.SentencePieceTokenizerTest.ids;
import static io.streamllm.tokenizer.SentencePieceTokenizerTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Hugging Face tokenizer.json BPE: tinystories-656k and two small tokenizer.json files, against what the
 * Hugging Face tokenizers library (Rust, 0.22) produced for them (see src/test/resources/tokenizer/README.md).
 */
class HuggingFaceBpeTokenizerTest {
    private static Tokenizer tinyStories;
    private static Map<String, Object> tinyStoriesExpected;

    @BeforeAll
    static void load() throws IOException {
        tinyStories = Tokenizers.fromHuggingFace(References.model("tinystories-656k"));
        tinyStoriesExpected = Json.parseObject(Files.readString(resource("tinystories-656k-hf-tokenizers.json")));
    }

    @Test
    void readsTheSpecialTokensFromTheConfigurationFiles() {
        assertThat(tinyStories).isInstanceOf(HuggingFaceBpeTokenizer.class);
        assertThat(tinyStories.vocabularySize()).isEqualTo(2048);
        SpecialTokens specials = tinyStories.specials();
        assertThat(tinyStories.piece(specials.bos())).isEqualTo("<|start_story|>");
        assertThat(tinyStories.piece(specials.eos())).isEqualTo("<|end_story|>");
        assertThat(specials.endOfGeneration()).containsExactly(specials.eos());
        assertThat(specials.addBos()).isTrue();
        assertThat(tinyStories.stripsLeadingSpace()).isTrue();
    }

    @Test
    void decodesTheGreedyReferenceToTheStory() throws IOException {
        int[] greedy = greedyFromBos();
        String decoded = tinyStories.decode(greedy);
        assertThat(decoded).startsWith("Once upon a time, there was a little girl named Lily. She had a toy car that she loved very much.");
        assertThat(decoded).isEqualTo(tinyStoriesExpected.get("greedy_from_bos_64_decoded"));
        // Decoding after BOS gives the same text: BOS decodes to nothing and the first piece loses its space.
        int[] withBos = new int[greedy.length + 1];
        withBos[0] = tinyStories.specials().bos();
        System.arraycopy(greedy, 0, withBos, 1, greedy.length);
        assertThat(tinyStories.decode(withBos)).isEqualTo(decoded);
    }

    @Test
    void decodesTheSampledStreamLikeHuggingFace() throws IOException {
        Map<String, Object> stream = Json.parseObject(Files.readString(References.file("tinystories-656k-stream-seed0.json")));
        assertThat(tinyStories.decode(ids(stream.get("tokens")))).isEqualTo(tinyStoriesExpected.get("stream_tokens_decoded"));
    }

    /**
     * The model began its story with the piece "On" (no word boundary), but encoding the text puts the
     * normalizer's ▁ in front, which BPE leaves as a token of its own. Everything after it comes back
     * the same.
     */
    @Test
    void reencodingTheGreedyTextGivesTheSameIdsAfterALoneWordBoundary() throws IOException {
        int[] greedy = greedyFromBos();
        int[] reencoded = tinyStories.encode(tinyStories.decode(greedy), false, false);
        assertThat(reencoded).containsExactly(ids(tinyStoriesExpected.get("greedy_reencoded")));
        assertThat(tinyStories.piece(reencoded[0])).isEqualTo("\u2581");
        assertThat(Arrays.copyOfRange(reencoded, 1, reencoded.length)).containsExactly(greedy);
    }

    @Test
    void encodesAndDecodesLikeHuggingFace() {
        assertMatchesHuggingFace(tinyStories, tinyStoriesExpected);
    }

    @Test
    void endOfStoryTextIsTheTokenOnlyWhenSpecialTokensAreParsed() {
        int eos = tinyStories.specials().eos();
        String text = "The end. <|end_story|> Once";
        assertThat(tinyStories.encode(text, false, true)).contains(eos);
        assertThat(tinyStories.encode(text, false, false)).doesNotContain(eos);
        assertThat(tinyStories.decode(tinyStories.encode(text, false, false))).isEqualTo(text);
        // Parsed, it is a control token: it ends generation and decodes to nothing.
        assertThat(tinyStories.specials().endsGeneration(eos)).isTrue();
        assertThat(tinyStories.decodeBytes(eos)).isEmpty();
        assertThat(tinyStories.piece(eos)).isEqualTo("<|end_story|>");
    }

    @ParameterizedTest
    @ValueSource(strings = {"Once upon a time, Lily met a cat.", "line one\nline two\n\n", "a  b   c", "  leading", "trailing  ",
            "Tom's dog said \"Woof!\" twice, then ran."})
    void decodingAnEncodedTextGivesItBack(String text) {
        assertThat(tinyStories.decode(tinyStories.encode(text))).isEqualTo(text);
    }

    /** The vocabulary has no byte tokens, so characters it lacks become <unk> (one per run: fuse_unk) and are lost. */
    @Test
    void charactersOutsideTheVocabularyBecomeOneUnknownPerRun() {
        int[] ids = tinyStories.encode("日本語", false, false);
        assertThat(Arrays.stream(ids).mapToObj(tinyStories::piece)).containsExactly("\u2581", "<unk>");
    }

    @Test
    void byteLevelTokenizerJsonMatchesHuggingFace() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromHuggingFace(resource("hf-byte-level/tokenizer.json").getParent());
        assertThat(tokenizer.stripsLeadingSpace()).isFalse();
        assertMatchesHuggingFace(tokenizer, Json.parseObject(Files.readString(resource("hf-byte-level/expected-hf-tokenizers.json"))));
    }

    @Test
    void metaspaceTokenizerJsonWithByteFallbackMatchesHuggingFace() throws IOException {
        Tokenizer tokenizer = Tokenizers.fromHuggingFace(resource("hf-metaspace/tokenizer.json").getParent());
        assertMatchesHuggingFace(tokenizer, Json.parseObject(Files.readString(resource("hf-metaspace/expected-hf-tokenizers.json"))));
    }

    @Test
    void unsupportedComponentsAreNamed(@TempDir Path directory) throws IOException {
        String json = Files.readString(References.model("tinystories-656k/tokenizer.json"));
        Files.writeString(directory.resolve("tokenizer.json"),
                json.replaceFirst("\"normalizer\": \\{", "\"normalizer\": {\"type\": \"BertNormalizer\"}, \"unused\": {"));
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(directory))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unsupported normalizer 'BertNormalizer'");

        Files.writeString(directory.resolve("tokenizer.json"), json.replace("\"type\": \"BPE\"", "\"type\": \"Unigram\""));
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(directory))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("unsupported model type 'Unigram' (supported: BPE)");
    }

    @Test
    void aDirectoryWithoutTokenizerJsonIsRefused(@TempDir Path directory) {
        assertThatThrownBy(() -> Tokenizers.fromHuggingFace(directory))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no tokenizer.json");
    }

    private static void assertMatchesHuggingFace(Tokenizer tokenizer, Map<String, Object> expected) {
        List<?> cases = (List<?>) expected.get("cases");
        assertThat(cases).isNotEmpty();
        for (Object entry : cases) {
            Map<?, ?> testCase = (Map<?, ?>) entry;
            String text = (String) testCase.get("text");
            int[] ids = tokenizer.encode(text, true, true);
            assertThat(ids).as("encode %s", text).containsExactly(ids(testCase.get("ids")));
            assertThat(tokenizer.decode(ids)).as("decode %s", text).isEqualTo(testCase.get("decoded"));
        }
    }

    private static int[] greedyFromBos() throws IOException {
        Map<String, Object> reference = Json.parseObject(Files.readString(References.file("tinystories-656k-stream-seed0.json")));
        return ids(reference.get("greedy_from_bos_64"));
    }
}
