package io.streamllm.fuzz;

import io.streamllm.api.StreamllmException;
import io.streamllm.chat.ChatMessage;
import io.streamllm.chat.JinjaChatTemplate;
import io.streamllm.gguf.GgufFile;
import io.streamllm.server.ApiError;
import io.streamllm.server.CompletionRequest;
import io.streamllm.server.RequestParser;
import io.streamllm.testing.References;
import io.streamllm.api.Tokenizer;
import io.streamllm.tokenizer.Tokenizers;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/** Targets whose input is text: the tokenizers, the chat-template renderer, the OpenAI request parser. */
final class TextTargets {

    private TextTargets() {
    }

    /**
     * The shipped models' tokenizers on arbitrary text: encoding and decoding never fail, and decoding
     * gives the text back whenever the tokenizer can represent it (see {@link #roundTrips}).
     */
    static final class TokenizerRoundTrip implements FuzzTarget {
        private final GgufFile stories260K = GgufFile.open(References.stories260K());
        private final List<Tokenizer> tokenizers = List.of(Tokenizers.fromGguf(stories260K.metadata()),
                Tokenizers.fromHuggingFace(References.tinystories656k()));
        private final List<Set<String>> pieces = tokenizers.stream().map(TokenizerRoundTrip::pieces).toList();

        @Override
        public String name() {
            return "tokenizers";
        }

        @Override
        public List<String> dictionary() {
            return List.of(" ", "  ", "\n", "\t", "\r\n", "<s>", "</s>", "<unk>", "<|start_story|>", "<|end_story|>",
                    "<0x41>", "\u2581", "é", "e\u0301", "日本語", "🙂", "\ud800", "\udfff", "\u0000", "\ufffd", "\ufeff",
                    "Once upon a time", "'s", "123456", "...");
        }

        @Override
        public List<byte[]> seeds() {
            return Stream.of("Once upon a time, there was a little girl named Lily.", " leading space", "trailing  ",
                            "A</s>B<s>C<|end_story|>", "naïve café 日本 🙂 \u0000 tab\tnew\nline", "")
                    .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        }

        @Override
        public void run(byte[] input) {
            // Two readings of the bytes: UTF-8 (malformed bytes become U+FFFD), and UTF-16 code units (lone surrogates).
            String[] texts = {new String(input, StandardCharsets.UTF_8), new String(input, StandardCharsets.UTF_16LE)};
            for (String text : texts) {
                for (int t = 0; t < tokenizers.size(); t++) {
                    Tokenizer tokenizer = tokenizers.get(t);
                    tokenizer.decode(tokenizer.encode(text, true, true));
                    String decoded = tokenizer.decode(tokenizer.encode(text, false, false));
                    if (roundTrips(text, pieces.get(t)) && !decoded.equals(text)) {
                        throw new AssertionError("decode(encode(s)) != s for " + escape(text) + ": got " + escape(decoded));
                    }
                }
            }
        }

        /**
         * The promise: well-formed text comes back when the vocabulary can spell it, that is when it falls
         * back to byte tokens (stories260K) or has a piece for every character (tinystories-656k, whose
         * small alphabet has no byte tokens: other characters become the unknown token). "▁" is the
         * word-boundary marker itself and decodes as a space, as in SentencePiece and Hugging Face.
         */
        private static boolean roundTrips(String text, Set<String> pieces) {
            if (text.indexOf('\u2581') >= 0 || !wellFormed(text)) {
                return false;
            }
            return pieces.contains("<0x00>") && pieces.contains("<0xFF>")
                    || text.codePoints().allMatch(c -> c == ' ' || pieces.contains(Character.toString(c)));
        }

        private static Set<String> pieces(Tokenizer tokenizer) {
            Set<String> pieces = new HashSet<>();
            for (int id = 0; id < tokenizer.vocabularySize(); id++) {
                pieces.add(tokenizer.piece(id));
            }
            return pieces;
        }

        private static boolean wellFormed(String text) {
            for (int i = 0; i < text.length(); i++) {
                char c = text.charAt(i);
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else if (Character.isSurrogate(c)) {
                    return false;
                }
            }
            return true;
        }

        private static String escape(String text) {
            StringBuilder out = new StringBuilder("\"");
            text.codePoints().limit(200).forEach(cp -> out.append(cp >= 0x20 && cp < 0x7f ? Character.toString(cp)
                    : String.format("\\u{%x}", cp)));
            return out.append('"').toString();
        }

        @Override
        public boolean isDocumented(Throwable error) {
            return false;
        }

        @Override
        public void close() {
            stories260K.close();
        }
    }

    /** Real chat templates, mutated, rendered over random conversations. Its documented error is StreamllmException. */
    static final class ChatTemplate implements FuzzTarget {
        private static final String[] ROLES = {"system", "user", "assistant", "tool", "user", "assistant", ""};
        private static final String[] CONTENT = {"Hello", "", " ", "{{ messages }}", "{% raw %}", "</s><s>",
                "<|im_end|>", "\u0000", "🙂", "a\nb", "{#", "'\"", "\\"};

        @Override
        public String name() {
            return "chat-template";
        }

        @Override
        public List<String> dictionary() {
            return List.of("{%", "%}", "{{", "}}", "{#", "#}", "{%-", "-%}", "{{-", "-}}", "{% for message in messages %}",
                    "{% endfor %}", "{% if ", "{% elif ", "{% else %}", "{% endif %}", "{% set ", "{% macro m(x) %}",
                    "{% endmacro %}", "{{ m(1) }}", "{% raw %}", "{% endraw %}", "message['role']", "message.content",
                    "messages[0]", "messages[-1]", "[1:]", "[::-1]", "loop.index0", "loop.last", "|length", "|tojson",
                    "|trim", "|join(', ')", "|upper", "|first", "|last", "|int", "|default('x')", "|string", "|list",
                    "raise_exception('bad')", "range(1000000)", "range(-1)", " * 100000", " ~ ", " + ", " // 0", " % 0",
                    "bos_token", "eos_token", "add_generation_prompt", "strftime_now('%Y')", "namespace(a=1)", "ns.a",
                    " is defined", " is none", " in ", " not ", "(", ")", "[", "]", "'", "\"", "\n", "{{ x }}",
                    "{% for x in range(100) %}{% for y in range(100) %}{{ y }}{% endfor %}{% endfor %}");
        }

        @Override
        public List<byte[]> seeds() throws IOException {
            List<byte[]> seeds = new ArrayList<>();
            Path folder = References.repositoryRoot().resolve("chat/src/test/resources/chat/templates");
            try (Stream<Path> files = Files.list(folder)) {
                for (Path file : files.sorted().toList()) {
                    seeds.add(Files.readAllBytes(file));
                }
            }
            return seeds;
        }

        @Override
        public void run(byte[] input) {
            SplittableRandom random = new SplittableRandom(java.util.Arrays.hashCode(input));
            List<ChatMessage> messages = new ArrayList<>();
            int count = random.nextInt(6);
            for (int i = 0; i < count; i++) {
                String role = ROLES[random.nextInt(ROLES.length)];
                messages.add(new ChatMessage(role.isEmpty() ? "user" : role,
                        CONTENT[random.nextInt(CONTENT.length)] + CONTENT[random.nextInt(CONTENT.length)]));
            }
            new JinjaChatTemplate(new String(input, StandardCharsets.UTF_8), "<s>", "</s>")
                    .render(messages, random.nextBoolean());
        }

        @Override
        public boolean isDocumented(Throwable error) {
            return error instanceof StreamllmException;
        }
    }

    /** Request bodies of /v1/chat/completions and /v1/completions. Its documented error is ApiError (a 4xx). */
    static final class Request implements FuzzTarget {
        @Override
        public String name() {
            return "request";
        }

        @Override
        public List<String> dictionary() {
            return JsonDictionary.TOKENS;
        }

        @Override
        public List<byte[]> seeds() {
            return Stream.of(
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hi\"}],"
                            + "\"max_tokens\":16,\"temperature\":0.7,\"top_p\":0.9,\"seed\":1,\"stop\":[\"\\n\",\"END\"],\"user\":\"u1\"}",
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hi\"}]}],"
                            + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_completion_tokens\":8}",
                    "{\"model\":\"m\",\"prompt\":\"Once upon a time\",\"max_tokens\":32,\"stop\":\"\\n\",\"n\":1,\"best_of\":1}",
                    "{\"model\":\"m\",\"prompt\":[\"Once\"],\"stream\":false,\"logprobs\":null,\"echo\":false}")
                    .map(s -> s.getBytes(StandardCharsets.UTF_8)).toList();
        }

        @Override
        public void run(byte[] input) {
            try {
                RequestParser.parse(input, CompletionRequest.Kind.CHAT);
            } catch (ApiError refused) {
                // documented; the other endpoint reads the same body differently
            }
            RequestParser.parse(input, CompletionRequest.Kind.COMPLETION);
        }

        @Override
        public boolean isDocumented(Throwable error) {
            return error instanceof ApiError;
        }
    }
}
