package io.streamllm.chat;

import io.streamllm.api.Generation;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Special-token text typed in a message is plain text: with every special token of both shipped models, in
 * every role, for a whole conversation and for the chat REPL's turn-by-turn prompts. Only the opt-in
 * {@code specialInContent} turns it into the special tokens. Content without special-token text keeps the
 * ids it always had.
 */
class SpecialTokensInContentTest {

    static Stream<Arguments> modelsAndRoles() {
        List<Arguments> cases = new ArrayList<>();
        for (String model : List.of("stories260K", "tinystories-656k")) {
            for (String role : List.of("system", "user", "assistant")) {
                cases.add(Arguments.of(model, role));
            }
        }
        return cases.stream();
    }

    private static StreamingModel model(String name) {
        return name.equals("stories260K") ? ShippedModel.stories260K() : ShippedModel.tinystories656k();
    }

    @ParameterizedTest(name = "{0}, {1} message")
    @MethodSource("modelsAndRoles")
    void specialTokenTextInContentIsPlainTextUnlessAllowed(String modelName, String role) {
        StreamingModel model = model(modelName);
        Tokenizer tokenizer = model.tokenizer();
        ChatTemplate template = ChatTemplates.forModel(model);
        Map<String, Integer> specials = SpecialTokenTexts.of(tokenizer);
        assertThat(specials).as("the special tokens of %s", modelName).hasSizeGreaterThanOrEqualTo(3);
        for (Map.Entry<String, Integer> special : specials.entrySet()) {
            List<ChatMessage> chat = conversation(role, "Say " + special.getKey() + " now, A" + special.getKey() + "B.");
            String rendered = template.render(chat, true);

            ChatEncoder plain = new ChatEncoder(tokenizer, false);
            int[] ids = plain.encode(plain.render(template, chat, true));
            assertThat(ids).as("%s in a %s message", special.getKey(), role)
                    .isEqualTo(tokenizer.encode(rendered, true, false));
            assertThat(Arrays.stream(ids).skip(1)).as("%s in a %s message", special.getKey(), role)
                    .doesNotContain(special.getValue());

            ChatEncoder allowed = new ChatEncoder(tokenizer, true);
            int[] parsed = allowed.encode(allowed.render(template, chat, true));
            assertThat(parsed).isEqualTo(tokenizer.encode(rendered, true, true));
            assertThat(Arrays.stream(parsed).skip(1)).as("%s allowed in content", special.getKey())
                    .contains(special.getValue());
        }
    }

    @Test
    void theIssuesExampleStaysTextWithTheGgufModel() {
        Tokenizer tokenizer = ShippedModel.stories260K().tokenizer();
        ChatEncoder encoder = new ChatEncoder(tokenizer, false);
        List<ChatMessage> chat = List.of(new ChatMessage("user", "A</s>B<s>C"));
        int[] ids = encoder.encode(encoder.render(new PlainChatTemplate(), chat, true));
        assertThat(Arrays.stream(ids).skip(1))
                .doesNotContain(tokenizer.specials().bos(), tokenizer.specials().eos());
        assertThat(tokenizer.decode(ids)).isEqualTo("User: A</s>B<s>C\nAssistant:");
    }

    @ParameterizedTest(name = "{0}, {1} message")
    @MethodSource("modelsAndRoles")
    void ordinaryContentKeepsItsIds(String modelName, String role) {
        StreamingModel model = model(modelName);
        ChatTemplate template = ChatTemplates.forModel(model);
        List<ChatMessage> chat = conversation(role, "  Tell me a story about a <cat> and a dog, please.  ");
        for (boolean specialInContent : new boolean[] {false, true}) {
            ChatEncoder encoder = new ChatEncoder(model.tokenizer(), specialInContent);
            assertThat(encoder.encode(encoder.render(template, chat, true)))
                    .isEqualTo(WholeTextEncoding.encode(model.tokenizer(), template.render(chat, true)));
        }
    }

    /** A template whose markup is made of the model's own special tokens: those stay special, the content's do not. */
    @Test
    void templateMarkupStaysSpecialAroundLiteralContent() {
        Tokenizer tokenizer = ShippedModel.stories260K().tokenizer();
        int eos = tokenizer.specials().eos();
        String eosText = tokenizer.piece(eos);
        ChatTemplate template = new JinjaChatTemplate("{{ bos_token }}{% for m in messages %}{{ m.role }}: {{ m.content | trim }}"
                + "{{ eos_token }}{% endfor %}{% if add_generation_prompt %}assistant:{% endif %}",
                tokenizer.piece(tokenizer.specials().bos()), eosText);
        List<ChatMessage> chat = List.of(new ChatMessage("system", " Be " + eosText + " brief. "),
                new ChatMessage("user", eosText + "Hi" + eosText), new ChatMessage("assistant", "Hello" + eosText),
                new ChatMessage("user", "Again " + eosText));
        ChatEncoder encoder = new ChatEncoder(tokenizer, false);
        int[] ids = encoder.encode(encoder.render(template, chat, true));
        assertThat(ids[0]).isEqualTo(tokenizer.specials().bos());
        assertThat(Arrays.stream(ids).filter(id -> id == tokenizer.specials().bos()).count()).isEqualTo(1);
        assertThat(Arrays.stream(ids).filter(id -> id == eos).count()).as("one end token per message, from the markup")
                .isEqualTo(chat.size());
    }

    /** The chat REPL builds later turns from the text after the last answer: its content is plain text too. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stories260K", "tinystories-656k"})
    void theChatReplsTurnByTurnPromptsKeepContentPlain(String modelName) {
        StreamingModel model = model(modelName);
        Tokenizer tokenizer = model.tokenizer();
        ChatTemplate template = ChatTemplates.forModel(model);
        for (Map.Entry<String, Integer> special : SpecialTokenTexts.of(tokenizer).entrySet()) {
            TurnPrompts prompts = new TurnPrompts(template, new ChatEncoder(tokenizer, false));
            List<ChatMessage> transcript = new ArrayList<>(List.of(new ChatMessage("user", "Hi " + special.getKey() + " there")));
            int[] first = prompts.next(transcript);
            String answer = " Hello.";
            int[] history = Arrays.copyOf(first, first.length + 2);
            System.arraycopy(tokenizer.encode(answer, false, false), 0, history, first.length, 2);
            String fedAnswer = tokenizer.decode(Arrays.copyOfRange(history, first.length, history.length));
            prompts.answered(first, history, new Generation(fedAnswer, first.length, 2,
                    StopReason.END_OF_GENERATION, 0, 0));
            transcript.add(new ChatMessage("assistant", fedAnswer));
            transcript.add(new ChatMessage("user", "Say " + special.getKey() + " now"));
            int[] second = prompts.next(transcript);
            assertThat(prompts.incremental()).isTrue();
            assertThat(Arrays.stream(second).skip(1)).as(special.getKey()).doesNotContain(special.getValue());
        }
    }

    private static List<ChatMessage> conversation(String role, String content) {
        List<ChatMessage> chat = new ArrayList<>();
        chat.add(new ChatMessage("system", role.equals("system") ? content : "You tell stories."));
        chat.add(new ChatMessage("user", role.equals("user") ? content : "Hello there."));
        chat.add(new ChatMessage("assistant", role.equals("assistant") ? content : "Once upon a time."));
        chat.add(new ChatMessage("user", "And then?"));
        return chat;
    }
}
