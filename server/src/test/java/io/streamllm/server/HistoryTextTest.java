package io.streamllm.server;

import io.streamllm.chat.ChatEncoder;
import io.streamllm.chat.RenderedChat;
import io.streamllm.api.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Which ids of a session's history a re-sent conversation keeps, by the text they stand for. */
class HistoryTextTest {
    private static final String PROMPT = "User: Tell me a story.\nAssistant:";
    private static final String NEXT_TURN = "\nUser: And then?\nAssistant:";

    private static ServedModel served;
    private static Tokenizer tokenizer;
    private static ChatEncoder encoder;
    private static int[] promptIds;

    @BeforeAll
    static void load() {
        served = TestServers.served("sink:4:60");
        tokenizer = served.model().tokenizer();
        encoder = new ChatEncoder(tokenizer, false);
        promptIds = tokenizer.encode(PROMPT, true, false);
    }

    @AfterAll
    static void close() {
        served.close();
    }

    @Test
    void anAnswerInOtherTokensThanItsTextsIsKeptWhole() {
        int[] answer = pieces("▁T", "e", "d", "d", "y", ".");
        assertThat(tokenizer.encode(" Teddy.", false, false)).as("the text tokenizes otherwise").isNotEqualTo(answer);
        int[] history = concat(promptIds, answer);

        int[] tokens = reuse(history, PROMPT + " Teddy." + NEXT_TURN);

        assertThat(Arrays.copyOf(tokens, history.length)).isEqualTo(history);
        assertThat(tokenizer.decode(Arrays.copyOfRange(tokens, history.length, tokens.length))).isEqualTo(NEXT_TURN);
    }

    @Test
    void whitespaceTheTemplateAddsOrStripsAroundTheAnswerDoesNotCount() {
        int[] answer = concat(pieces("'", "s"), tokenizer.encode("hot ", false, false));
        int[] history = concat(promptIds, answer);
        assertThat(tokenizer.decode(answer)).isEqualTo("'s hot ");

        int[] tokens = reuse(history, PROMPT + " 's hot" + NEXT_TURN);

        assertThat(Arrays.copyOf(tokens, history.length)).isEqualTo(history);
        assertThat(tokenizer.decode(Arrays.copyOfRange(tokens, history.length, tokens.length))).isEqualTo(NEXT_TURN);
    }

    @Test
    void anEditedAnswerKeepsOnlyWhatItRepeats() {
        int[] answer = tokenizer.encode("The cat sat.", false, false);
        int[] history = concat(promptIds, answer);

        int[] tokens = reuse(history, PROMPT + " The dog ran." + NEXT_TURN);

        int kept = TestChat.commonPrefix(history, tokens);
        assertThat(kept).isGreaterThan(promptIds.length).isLessThan(history.length);
        assertThat(tokenizer.decode(Arrays.copyOf(tokens, kept))).isEqualTo(PROMPT + " The");
        assertThat(tokenizer.decode(tokens)).isEqualTo(PROMPT + " The dog ran." + NEXT_TURN);
    }

    @Test
    void aControlTokenEndsTheAnswerText() {
        int eos = tokenizer.specials().eos();
        int[] history = concat(concat(promptIds, tokenizer.encode("Hi", false, false)), new int[] {eos});

        HistoryText text = HistoryText.after(PROMPT, promptIds.length, history, tokenizer);

        assertThat(text.answer()).isEqualTo(" Hi");
        assertThat(text.answerEnds()).hasSize(history.length - 1 - promptIds.length);
    }

    @Test
    void aConversationThatDoesNotStartWithThePromptIsTokenizedAnew() {
        int[] history = concat(promptIds, tokenizer.encode("Hi.", false, false));
        HistoryText text = HistoryText.after(PROMPT, promptIds.length, history, tokenizer);
        assertThat(text.tokensFor(RenderedChat.plain("User: Tell me a poem.\nAssistant: Hi." + NEXT_TURN), history, served)).isEmpty();
    }

    // SentencePiece puts a space before the text it encodes: encode("Hi") stands for " Hi".

    private static int[] reuse(int[] history, String next) {
        HistoryText text = HistoryText.after(PROMPT, promptIds.length, history, tokenizer);
        return text.tokensFor(encoder.prompt(next), history, served).orElseThrow();
    }

    /** The ids of these vocabulary pieces, in order. */
    private static int[] pieces(String... pieces) {
        return Arrays.stream(pieces).mapToInt(piece -> IntStream.range(0, tokenizer.vocabularySize())
                .filter(id -> tokenizer.piece(id).equals(piece)).findFirst().orElseThrow()).toArray();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
