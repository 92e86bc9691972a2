package io.streamllm.chat;

import io.streamllm.api.Generation;
import io.streamllm.api.StopReason;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.LiteralSpans;
import io.streamllm.api.Tokenizer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Turn-by-turn prompts must be the tokens of the whole conversation, rendered and encoded in full: checked
 * turn after turn against exactly that, with answers fed as the model would have generated them.
 */
class TurnPromptsTest {
    private static final StreamingModel model = ShippedModel.stories260K();

    @ParameterizedTest
    @ValueSource(strings = {"plain", "llama3-instruct", "qwen2-instruct", "qwen2.5-instruct", "mistral-7b-instruct-v0.1",
            "mistral-nemo-instruct", "phi-3-mini-instruct", "zephyr-tinyllama-chat", "gemma-2-it"})
    void turnByTurnTokensEqualTheFullRendering(String name) {
        ChatTemplate template = name.equals("plain") ? new PlainChatTemplate()
                : new JinjaChatTemplate(JinjaChatTemplateTest.resource("templates/" + name + ".jinja"), "<s>", "</s>");
        Tokenizer tokenizer = model.tokenizer();
        TurnPrompts prompts = new TurnPrompts(template, new ChatEncoder(tokenizer, false));
        ContinuationEncoder answers = new ContinuationEncoder(tokenizer);
        List<ChatMessage> transcript = new ArrayList<>();
        for (int turn = 0; turn < 14; turn++) {
            transcript.add(new ChatMessage("user", "Tell me about the dog number " + turn + "."));
            int[] prompt = prompts.next(transcript);
            assertThat(prompt).as("turn %d", turn)
                    .isEqualTo(WholeTextEncoding.encode(tokenizer, template.render(transcript, true)));

            String answer = "The dog " + turn + " ran to the park.";
            int[] history = concat(prompt, answers.encode(name.equals("plain") ? " " + answer : answer, LiteralSpans.none()));
            prompts.answered(prompt, history, new Generation(answer, prompt.length, 9, StopReason.END_OF_GENERATION, 0, 0));
            transcript.add(new ChatMessage("assistant", answer));
        }
        assertThat(prompts.incremental()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mistral-nemo-instruct"})
    void aTemplateThatRewritesEarlierTurnsIsRenderedInFull(String name) {
        // With a system message, this template moves it into the last user turn: not prefix-stable.
        ChatTemplate template = new JinjaChatTemplate(JinjaChatTemplateTest.resource("templates/" + name + ".jinja"), "<s>", "</s>");
        Tokenizer tokenizer = model.tokenizer();
        TurnPrompts prompts = new TurnPrompts(template, new ChatEncoder(tokenizer, false));
        List<ChatMessage> transcript = new ArrayList<>(List.of(new ChatMessage("system", "Be brief.")));
        for (int turn = 0; turn < 4; turn++) {
            transcript.add(new ChatMessage("user", "Question " + turn));
            int[] prompt = prompts.next(transcript);
            assertThat(prompt).isEqualTo(WholeTextEncoding.encode(tokenizer, template.render(transcript, true)));
            prompts.answered(prompt, prompt, new Generation("", prompt.length, 0, StopReason.END_OF_GENERATION, 0, 0));
            transcript.add(new ChatMessage("assistant", "Answer " + turn));
        }
        assertThat(prompts.incremental()).isFalse();
    }

    private static int[] concat(int[] a, int[] b) {
        int[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
