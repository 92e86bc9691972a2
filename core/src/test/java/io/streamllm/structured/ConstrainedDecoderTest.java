package io.streamllm.structured;

import io.streamllm.api.InvalidSettingException;
import io.streamllm.api.Tokenizer;
import io.streamllm.testing.References;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The schema automaton and its token masks against plain references: hand-written documents, shortest
 * completions that must exist from every state a random walk reaches, and the trie-walked, cached mask against a
 * token-by-token check of the whole vocabulary.
 */
class ConstrainedDecoderTest {
    private static final String PERSON = """
            {"type":"object","properties":{
              "name":{"type":"string","minLength":1,"maxLength":8},
              "age":{"type":"integer"},
              "tags":{"type":"array","items":{"enum":["a","bc",3,null]},"minItems":1,"maxItems":3},
              "code":{"type":"string","pattern":"^[A-Z]{2}-\\\\d{2,3}$"},
              "ok":{"type":["boolean","null"]},
              "score":{"type":"number"},
              "nested":{"type":"object","properties":{"x":{"const":"y"}},"required":["x"],"additionalProperties":false}
            },"required":["name","tags"],"additionalProperties":false}""";

    private static boolean matches(String schema, String text) {
        return SchemaCompiler.compile(schema).matches(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void acceptsCanonicalDocumentsAndRejectsInvalidOnes() {
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[\"a\"]}")).isTrue();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"age\":-12,\"tags\":[3,null,\"bc\"],\"code\":\"AB-123\","
                + "\"ok\":null,\"score\":0.25,\"nested\":{\"x\":\"y\"}}")).isTrue();
        assertThat(matches(PERSON, "{\"name\":\"\",\"tags\":[\"a\"]}")).as("minLength").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bobbobbob\",\"tags\":[\"a\"]}")).as("maxLength").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[]}")).as("minItems").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[3,3,3,3]}")).as("maxItems").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\"}")).as("required").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[\"a\"],\"code\":\"AB-1\"}")).as("pattern").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[\"a\"],\"age\":1.5}")).as("integer").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[\"a\"],\"extra\":1}")).as("additional").isFalse();
        assertThat(matches(PERSON, "{\"tags\":[\"a\"],\"name\":\"Bob\"}")).as("schema order only").isFalse();
        assertThat(matches(PERSON, "{\"name\": \"Bob\",\"tags\":[\"a\"]}")).as("no free whitespace").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"B\\\"é\",\"tags\":[\"a\"]}")).as("escape and UTF-8").isTrue();
        assertThat(matches(PERSON, "{\"name\":\"\u0001\",\"tags\":[\"a\"]}")).as("raw control").isFalse();
        assertThat(matches(PERSON, "{\"name\":\"Bob\",\"tags\":[\"a\"],\"age\":01}")).as("leading zero").isFalse();
        assertThat(matches("{}", "[1,{\"a\":[true,\"x\"]},-0.5,null]")).isTrue();
        assertThat(matches("{\"type\":\"string\",\"maxLength\":1}", "\"\uD83D\uDE00\"")).as("one code point").isTrue();
    }

    @Test
    void refusesUnsupportedKeywordsByName() {
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"type\":\"integer\",\"minimum\":3}"))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("\"minimum\"");
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"type\":\"string\",\"format\":\"date-time\"}"))
                .hasMessageContaining("\"format\"");
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"type\":\"string\",\"pattern\":\"(?=a)\"}"))
                .hasMessageContaining("pattern");
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"oneOf\":[{\"type\":\"string\"}]}"))
                .hasMessageContaining("\"oneOf\"");
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"anyOf\":[{\"type\":\"string\"},{\"type\":\"string\"}]}"))
                .hasMessageContaining("anyOf");
        assertThatThrownBy(() -> SchemaCompiler.compile("{\"$defs\":{\"a\":{\"$ref\":\"#/$defs/a\"}},\"$ref\":\"#/$defs/a\"}"))
                .hasMessageContaining("recursive");
    }

    /** From every state of random walks, the shortest completion has exactly minRemaining bytes, one at a time. */
    @ParameterizedTest
    @ValueSource(strings = {PERSON, "{}", "{\"type\":\"array\",\"items\":{\"type\":\"string\",\"pattern\":\"(ab|c)+x?\"},\"minItems\":2}"})
    void shortestCompletionsExistFromEveryState(String schema) {
        Grammar grammar = SchemaCompiler.compile(schema);
        SplittableRandom random = new SplittableRandom(7);
        for (int walk = 0; walk < 200; walk++) {
            Frame state = grammar.start();
            StringBuilder text = new StringBuilder();
            for (int step = 0; step < 60; step++) {
                assertCompletes(state, text);
                List<Frame> next = new ArrayList<>();
                for (int c = 0; c < 256; c++) {
                    Frame after = Parse.advance(state, c);
                    if (after != null) {
                        next.add(after);
                    }
                }
                if (next.isEmpty()) {
                    assertThat(Parse.complete(state)).isTrue();
                    break;
                }
                state = next.get(random.nextInt(next.size()));
                for (int c = 0; c < 256; c++) {
                    if (state.equals(Parse.advance(previous(text, grammar), c))) {
                        text.append((char) c);
                        break;
                    }
                }
            }
        }
    }

    private static Frame previous(StringBuilder text, Grammar grammar) {
        return Parse.advance(grammar.start(), text.toString().getBytes(StandardCharsets.ISO_8859_1), 0);
    }

    private static void assertCompletes(Frame state, CharSequence text) {
        int need = Parse.minRemaining(state);
        Frame f = state;
        for (int k = need; k > 0; k--) {
            Frame step = null;
            for (int c = 0; c < 256 && step == null; c++) {
                Frame after = Parse.advance(f, c);
                if (after != null && Parse.minRemaining(after) == k - 1) {
                    step = after;
                }
            }
            assertThat(step).as("a byte that brings the completion one nearer, %d left, after %s", k, text).isNotNull();
            f = step;
        }
        assertThat(Parse.complete(f)).isTrue();
    }

    /** The cached, trie-walked mask equals checking every token's bytes one by one, along generated documents. */
    @Test
    void maskEqualsTokenByTokenCheckOnStories260K() {
        Tokenizer tokenizer = Tokenizer.load(References.stories260K());
        TokenTrie trie = TokenTrie.of(tokenizer);
        int[] ends = tokenizer.specials().endOfGeneration().stream().mapToInt(Integer::intValue).toArray();
        Grammar grammar = SchemaCompiler.compile(PERSON);
        SplittableRandom random = new SplittableRandom(11);
        for (int run = 0; run < 30; run++) {
            ConstrainedDecoder decoder = new ConstrainedDecoder(grammar, trie, ends, false);
            StringBuilder text = new StringBuilder();
            List<Byte> bytes = new ArrayList<>();
            for (int step = 0; step < 80 && !decoder.finished(); step++) {
                long[] mask = decoder.allowed(-1);
                List<Integer> allowed = new ArrayList<>();
                for (int id = 0; id < trie.vocabularySize; id++) {
                    byte[] t = trie.bytes[id];
                    byte[] prefix = new byte[bytes.size() + t.length];
                    for (int i = 0; i < bytes.size(); i++) {
                        prefix[i] = bytes.get(i);
                    }
                    System.arraycopy(t, 0, prefix, bytes.size(), t.length);
                    boolean expected = t.length == 0 ? isEnd(ends, id) && grammar.matches(prefix) : grammar.isPrefix(prefix);
                    assertThat((mask[id >>> 6] >>> id & 1) != 0).as("token %d after %s", id, text).isEqualTo(expected);
                    if (expected && t.length > 0) {
                        allowed.add(id);
                    }
                }
                if (allowed.isEmpty()) {
                    break;
                }
                int token = allowed.get(random.nextInt(allowed.size()));
                decoder.accept(token);
                for (byte b : trie.bytes[token]) {
                    bytes.add(b);
                }
                text.append(tokenizer.piece(token));
            }
        }
    }

    private static boolean isEnd(int[] ends, int id) {
        for (int end : ends) {
            if (end == id) {
                return true;
            }
        }
        return false;
    }

    /** With a tight budget only tokens that still let the document finish are allowed, and it does finish. */
    @Test
    void tightBudgetStillFinishesTheDocument() {
        Tokenizer tokenizer = Tokenizer.load(References.stories260K());
        TokenTrie trie = TokenTrie.of(tokenizer);
        int[] ends = tokenizer.specials().endOfGeneration().stream().mapToInt(Integer::intValue).toArray();
        Grammar grammar = SchemaCompiler.compile(PERSON);
        int shortest = Parse.minRemaining(grammar.start());
        SplittableRandom random = new SplittableRandom(3);
        for (int run = 0; run < 50; run++) {
            int budget = shortest + random.nextInt(6);
            ConstrainedDecoder decoder = new ConstrainedDecoder(grammar, trie, ends, false);
            StringBuilder bytes = new StringBuilder();
            int used = 0;
            while (!decoder.complete() && used < budget) {
                long[] mask = decoder.allowed(budget - used);
                List<Integer> allowed = new ArrayList<>();
                for (int id = 0; id < trie.vocabularySize; id++) {
                    if ((mask[id >>> 6] >>> id & 1) != 0 && trie.bytes[id].length > 0) {
                        allowed.add(id);
                    }
                }
                int token = allowed.get(random.nextInt(allowed.size()));
                decoder.accept(token);
                bytes.append(new String(trie.bytes[token], StandardCharsets.ISO_8859_1));
                used++;
            }
            assertThat(grammar.matches(bytes.toString().getBytes(StandardCharsets.ISO_8859_1)))
                    .as("budget %d: %s", budget, bytes).isTrue();
        }
    }
}
