package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import io.streamllm.api.StreamllmException;
import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TokenStreamTest {
    private static final int VOCABULARY = 512;

    @TempDir
    Path dir;

    private Path write(String name, String content) throws IOException {
        return Files.writeString(dir.resolve(name), content);
    }

    @Test
    void readsAnArrayOfIds() throws IOException {
        TokenStream stream = TokenStream.fromTokensFile(write("a.json", "[5, 7, 511, 0]"), VOCABULARY);
        assertThat(stream.tokens()).containsExactly(5, 7, 511, 0);
    }

    @Test
    void readsTheTokensOfAReferenceStreamObject() {
        TokenStream stream = TokenStream.fromTokensFile(TestData.referenceStream("stories260K"), VOCABULARY);
        JsonNode expected = TestData.json(TestData.referenceStream("stories260K")).get("tokens");
        assertThat(stream.length()).isEqualTo(expected.size()).isEqualTo(1500);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(stream.tokens()[i]).isEqualTo(expected.get(i).intValue());
        }
    }

    @Test
    void limitKeepsTheFirstTokens() {
        TokenStream stream = new TokenStream(new int[] {1, 2, 3, 4}, "test");
        assertThat(stream.limit(2).tokens()).containsExactly(1, 2);
        assertThat(stream.limit(10)).isSameAs(stream);
        assertThatThrownBy(() -> stream.limit(0)).hasMessageContaining("--max-tokens");
    }

    @Test
    void aMissingFileIsNamed() {
        Path missing = dir.resolve("missing.json");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(missing, VOCABULARY))
                .isInstanceOf(StreamllmException.class).hasMessage("no such file: " + missing);
    }

    @Test
    void anEmptyStreamIsAnError() throws IOException {
        Path empty = write("empty.json", "{\"tokens\": []}");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(empty, VOCABULARY))
                .isInstanceOf(StreamllmException.class).hasMessage("the stream is empty: " + empty + " holds no tokens");
    }

    @Test
    void malformedJsonIsReportedWithItsPlace() throws IOException {
        Path bad = write("bad.json", "[1, 2,\n 3");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(bad, VOCABULARY))
                .isInstanceOf(StreamllmException.class)
                .hasMessageStartingWith(bad + ": malformed tokens JSON: ")
                .hasMessageContaining("line 2");
    }

    @Test
    void jsonOfAnotherShapeIsRejected() throws IOException {
        Path object = write("object.json", "{\"ids\": [1, 2]}");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(object, VOCABULARY))
                .hasMessageContaining("expected a JSON array of token ids or an object with a \"tokens\" array");
        Path strings = write("strings.json", "[1, \"two\"]");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(strings, VOCABULARY))
                .hasMessage(strings + ": token 1 is \"two\", not a token id");
        Path fraction = write("fraction.json", "[1, 2.5]");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(fraction, VOCABULARY))
                .hasMessage(fraction + ": token 1 is 2.5, not a token id");
    }

    @Test
    void idsOutsideTheVocabularyAreRejected() throws IOException {
        Path large = write("large.json", "[1, 512]");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(large, VOCABULARY))
                .hasMessage(large + ": token 1 has id 512, outside the model's vocabulary of 512 tokens");
        Path negative = write("negative.json", "[-1]");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(negative, VOCABULARY))
                .hasMessageContaining("token 0 has id -1");
        Path huge = write("huge.json", "[99999999999]");
        assertThatThrownBy(() -> TokenStream.fromTokensFile(huge, VOCABULARY))
                .hasMessageContaining("token 0 is 99999999999, not a token id");
    }

    @Test
    void textIsTokenizedWithoutBos() throws IOException {
        String text = "Once upon a time, there was a little girl named Lily.";
        try (StreamingModel model = StreamingModel.load(TestData.stories260K())) {
            TokenStream stream = TokenStream.fromText(write("story.txt", text), model.tokenizer());
            assertThat(stream.tokens()).containsExactly(model.tokenizer().encode(text, false, false));
            assertThat(stream.tokens()[0]).isNotEqualTo(model.tokenizer().specials().bos());
            assertThat(model.tokenizer().decode(stream.tokens())).isEqualTo(text);
        }
    }

    @Test
    void anEmptyTextIsAnError() throws IOException {
        Path empty = write("empty.txt", "");
        try (StreamingModel model = StreamingModel.load(TestData.stories260K())) {
            assertThatThrownBy(() -> TokenStream.fromText(empty, model.tokenizer()))
                    .hasMessage("the stream is empty: " + empty + " holds no tokens");
            assertThatThrownBy(() -> TokenStream.fromText(dir.resolve("none.txt"), model.tokenizer()))
                    .hasMessage("no such file: " + dir.resolve("none.txt"));
        }
    }
}
