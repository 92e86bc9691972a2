package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;
import io.streamllm.api.SpecialTokens;

import io.streamllm.api.ModelFormatException;
import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Choosing the tokenizer from GGUF metadata, its errors, and small SentencePiece vocabularies made here. */
class TokenizersTest {
    @TempDir
    Path directory;

    private Tokenizer load(Consumer<GgufWriter> metadata) {
        GgufWriter writer = new GgufWriter().putString("general.architecture", "llama");
        metadata.accept(writer);
        Path file = directory.resolve("model-" + System.nanoTime() + ".gguf");
        writer.write(file);
        try (GgufFile gguf = GgufFile.open(file)) {
            return Tokenizers.fromGguf(gguf.metadata());
        }
    }

    /**
     * A tiny SentencePiece vocabulary: &lt;unk&gt; &lt;s&gt; &lt;/s&gt;, then a b c ▁, then ab (score -1),
     * bc (score {@code bcScore}) and ▁a (score -2), and the control token &lt;|im_end|&gt;.
     */
    private Tokenizer sentencePiece(float bcScore, Consumer<GgufWriter> more) {
        return load(writer -> {
            writer.putString("tokenizer.ggml.model", "llama")
                    .putStrings("tokenizer.ggml.tokens", new String[]{"<unk>", "<s>", "</s>", "a", "b", "c", "\u2581", "ab", "bc", "\u2581a", "<|im_end|>"})
                    .putFloats("tokenizer.ggml.scores", new float[]{0, 0, 0, 0, 0, 0, 0, -1, bcScore, -2, 0})
                    .putInts("tokenizer.ggml.token_type", new int[]{2, 3, 3, 1, 1, 1, 1, 1, 1, 1, 3})
                    .putUInt32("tokenizer.ggml.bos_token_id", 1)
                    .putUInt32("tokenizer.ggml.eos_token_id", 2);
            more.accept(writer);
        });
    }

    @Test
    void theHigherScoreMergesFirstAndEqualScoresMergeLeftmost() {
        // "▁abc": pairs ▁a (-2), ab (-1), bc. With bc at -1 too, ab and bc tie and the leftmost (ab) wins.
        assertThat(sentencePiece(-1, w -> { }).encode("abc", false, false)).containsExactly(6, 7, 5);
        // With bc at -0.5 it outranks ab; then ▁a merges: ▁a bc.
        assertThat(sentencePiece(-0.5f, w -> { }).encode("abc", false, false)).containsExactly(9, 8);
    }

    @Test
    void withoutTheSpacePrefixTheTextIsTakenAsWritten() {
        Tokenizer tokenizer = sentencePiece(-1, w -> w.putBool("tokenizer.ggml.add_space_prefix", false));
        assertThat(tokenizer.encode("abc", false, false)).containsExactly(7, 5);
        assertThat(tokenizer.stripsLeadingSpace()).isFalse();
        assertThat(tokenizer.decode(tokenizer.encode(" abc"))).isEqualTo(" abc");
    }

    @Test
    void charactersWithoutTokensOrByteTokensBecomeUnknown() {
        // No <0xXX> tokens here, so 'z' is <unk> (id 0).
        assertThat(sentencePiece(-1, w -> { }).encode("az", false, false)).containsExactly(9, 0);
    }

    @Test
    void endOfGenerationCollectsEosEotEomAndWellKnownMarkers() {
        Tokenizer tokenizer = sentencePiece(-1, w -> w.putUInt32("tokenizer.ggml.eot_token_id", 4));
        SpecialTokens specials = tokenizer.specials();
        assertThat(specials.bos()).isEqualTo(1);
        assertThat(specials.eos()).isEqualTo(2);
        // </s> (eos), b (named as eot) and the control token <|im_end|> found by its text.
        assertThat(specials.endOfGeneration()).containsExactlyInAnyOrder(2, 4, 10);
        assertThat(specials.addBos()).isTrue();
        assertThat(sentencePiece(-1, w -> w.putBool("tokenizer.ggml.add_bos_token", false)).encode("a")).containsExactly(9);
    }

    @Test
    void controlTokensDecodeToNothingButShowAsPieces() {
        Tokenizer tokenizer = sentencePiece(-1, w -> { });
        assertThat(tokenizer.decodeBytes(10)).isEmpty();
        assertThat(tokenizer.piece(10)).isEqualTo("<|im_end|>");
        assertThat(tokenizer.decodeBytes(6)).containsExactly(' ');
        assertThatThrownBy(() -> tokenizer.decodeBytes(11)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the vocabulary");
    }

    @Test
    void anUnknownTokenizerModelIsRefusedByName() {
        assertThatThrownBy(() -> load(w -> w.putString("tokenizer.ggml.model", "xyz")
                .putStrings("tokenizer.ggml.tokens", new String[]{"a"})))
                .isInstanceOf(ModelFormatException.class)
                .hasMessage("unsupported tokenizer 'xyz' (supported: llama, gpt2)");
    }

    @Test
    void missingPiecesAreNamed() {
        assertThatThrownBy(() -> load(w -> w.putString("tokenizer.ggml.model", "llama")))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.tokens' is missing");
        assertThatThrownBy(() -> load(w -> { }))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("no tokenizer").hasMessageContaining("'tokenizer.ggml.model'");
        assertThatThrownBy(() -> load(w -> w.putString("tokenizer.ggml.model", "gpt2")
                .putStrings("tokenizer.ggml.tokens", new String[]{"a", "b"})))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.merges' is missing");
        assertThatThrownBy(() -> load(w -> w.putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", new String[]{"a", "b"})
                .putFloats("tokenizer.ggml.scores", new float[]{0})))
                .isInstanceOf(ModelFormatException.class)
                .hasMessageContaining("'tokenizer.ggml.scores' has 1 entries for 2 tokens");
    }

    @Test
    void anUnknownPreTokenizerIsRefusedWithTheKnownOnes() {
        try (GgufFile gguf = GgufFile.open(ToyByteLevelVocabulary.write(directory.resolve("toy.gguf"), "some-new-model"))) {
            // Splitting like GPT-2 instead would tokenize some text differently from how the model was trained.
            assertThatThrownBy(() -> Tokenizers.fromGguf(gguf.metadata()))
                    .isInstanceOf(ModelFormatException.class)
                    .hasMessageContaining("unsupported pre-tokenizer 'some-new-model'")
                    .hasMessageContaining("falcon")
                    .hasMessageContaining("deepseek-llm");
        }
    }
}
