package io.streamllm.tokenizer;

import io.streamllm.api.Tokenizer;

import io.streamllm.testing.References;

import io.streamllm.gguf.GgufFile;
import io.streamllm.gguf.GgufMetadata;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The heap-based merge loop against the plain quadratic definition of BPE, written out here: scan all
 * adjacent pairs, merge the best one (leftmost on ties), repeat. Random texts, two vocabularies.
 */
class MergeOrderTest {
    @Test
    void sentencePieceMergesLikeTheDefinition() {
        try (GgufFile gguf = GgufFile.open(References.model("stories260K/stories260K.gguf"))) {
            GgufMetadata metadata = gguf.metadata();
            String[] tokens = metadata.getStringArray("tokenizer.ggml.tokens");
            float[] scores = metadata.getFloatArray("tokenizer.ggml.scores");
            Map<String, Integer> ids = new HashMap<>();
            for (int i = 0; i < tokens.length; i++) {
                ids.put(tokens[i], i);
            }
            Tokenizer tokenizer = Tokenizers.fromGguf(metadata);
            Random random = new Random(7);
            String alphabet = "abcdefghijklmnopqrstuvwxyz      ..,,'\"!?TLSOé😀\n";
            for (int round = 0; round < 300; round++) {
                String text = randomText(random, alphabet, 80);
                // llama.cpp's preparation: dummy prefix, spaces as ▁; an empty text stays empty.
                String prepared = text.isEmpty() ? "" : (" " + text).replace(' ', '\u2581');
                List<String> symbols = splitCodePoints(prepared);
                while (true) {
                    int best = -1;
                    for (int i = 0; i + 1 < symbols.size(); i++) {
                        Integer id = ids.get(symbols.get(i) + symbols.get(i + 1));
                        if (id != null && (best < 0 || scores[id] > scores[ids.get(symbols.get(best) + symbols.get(best + 1))])) {
                            best = i;
                        }
                    }
                    if (best < 0) {
                        break;
                    }
                    symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
                }
                List<Integer> expected = new ArrayList<>();
                for (String symbol : symbols) {
                    if (ids.containsKey(symbol)) {
                        expected.add(ids.get(symbol));
                    } else {
                        for (byte b : symbol.getBytes(StandardCharsets.UTF_8)) {
                            expected.add(ids.get(String.format("<0x%02X>", b & 0xFF)));
                        }
                    }
                }
                assertThat(tokenizer.encode(text, false, false)).as(text).containsExactly(expected.stream().mapToInt(Integer::intValue).toArray());
            }
        }
    }

    @Test
    void rankedBpeMergesLikeTheDefinition() {
        String[] tokens = ToyByteLevelVocabulary.tokens();
        TokenType[] types = new TokenType[tokens.length];
        Arrays.fill(types, TokenType.NORMAL);
        List<String[]> merges = Arrays.stream(ToyByteLevelVocabulary.MERGES).map(rule -> rule.split(" ")).toList();
        BpeModel model = new BpeModel(new Vocabulary(tokens, types), merges, -1, false, false, false);
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < tokens.length; i++) {
            ids.put(tokens[i], i);
        }
        Map<String, Integer> ranks = new HashMap<>();
        for (int rank = 0; rank < merges.size(); rank++) {
            ranks.putIfAbsent(merges.get(rank)[0] + " " + merges.get(rank)[1], rank);
        }
        Random random = new Random(11);
        String alphabet = "1234theĠĠĠ'sĊĊ!!itÃ©lllHeowz";
        for (int round = 0; round < 500; round++) {
            String word = randomText(random, alphabet, 60);
            List<String> symbols = splitCodePoints(word);
            while (true) {
                int best = -1;
                int bestRank = Integer.MAX_VALUE;
                for (int i = 0; i + 1 < symbols.size(); i++) {
                    Integer rank = ranks.get(symbols.get(i) + " " + symbols.get(i + 1));
                    if (rank != null && rank < bestRank) {
                        best = i;
                        bestRank = rank;
                    }
                }
                if (best < 0) {
                    break;
                }
                symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
            }
            IntList actual = new IntList();
            model.encodeWord(word, actual);
            assertThat(actual.toArray()).as(word).containsExactly(symbols.stream().mapToInt(ids::get).toArray());
        }
    }

    private static String randomText(Random random, String alphabet, int maxLength) {
        List<String> characters = splitCodePoints(alphabet);
        StringBuilder text = new StringBuilder();
        int length = random.nextInt(maxLength);
        for (int i = 0; i < length; i++) {
            text.append(characters.get(random.nextInt(characters.size())));
        }
        return text.toString();
    }

    private static List<String> splitCodePoints(String text) {
        List<String> symbols = new ArrayList<>();
        text.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
        return symbols;
    }
}
