package io.streamllm.jmh;

import io.streamllm.api.Tokenizer;
import io.streamllm.structured.ConstrainedDecoder;
import io.streamllm.structured.Grammar;
import io.streamllm.structured.SchemaCompiler;
import io.streamllm.structured.TokenTrie;
import io.streamllm.tokenizer.Tokenizers;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * The constrained decoder's cost per token with a 128k vocabulary: the allowed-token mask of each step (walked over
 * the vocabulary trie, or taken from the per-state cache), accepting the token, and applying the mask to the
 * logits. A fixed token sequence of one document (chosen at random among the allowed tokens, seeded) is replayed:
 * {@code freshCacheDocument} with an empty cache (every state computed once, as the first request of a schema
 * pays), {@code warmCacheDocument} with the masks cached; divide by {@code tokens} (printed at setup) for a token.
 *
 * <p>The vocabulary is Llama 3's real one (128,256 tokens) from {@code core/target/npm/llama3-3.7.2} (fetched by
 * the core tests, {@code TransformersJsFixtureTest}) or the folder in {@code -Dstreamllm.llama3=...}; without it
 * a synthetic vocabulary of 128,256 random byte strings is used, and the setup says so.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class ConstrainedDecodingBenchmark {
    static final String SCHEMA = """
            {"type":"object","properties":{
              "name":{"type":"string","maxLength":40},
              "age":{"type":"integer"},
              "email":{"type":"string","pattern":"^[a-z]{1,8}@[a-z]{1,8}\\\\.com$"},
              "tags":{"type":"array","items":{"type":"string"},"minItems":1,"maxItems":4},
              "role":{"enum":["admin","user","guest"]},
              "address":{"type":"object","properties":{"city":{"type":"string"},"zip":{"type":"string"}},
                         "required":["city","zip"],"additionalProperties":false}
            },"required":["name","age","email","tags","role","address"],"additionalProperties":false}""";
    static final int BUDGET = 96;

    /** The token budget of the replay: 96 is tight all along (the schema's shortest document is ~90 bytes). */
    @org.openjdk.jmh.annotations.Param({"96", "4096"})
    public int budget;

    private TokenTrie trie;
    private Grammar grammar;
    private int[] ends;
    private int[] sequence;
    private ConstrainedDecoder warm;
    private float[] logits;

    @Setup
    public void setUp() {
        Path folder = Path.of(System.getProperty("streamllm.llama3", "../core/target/npm/llama3-3.7.2"));
        if (!Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            folder = Path.of("core/target/npm/llama3-3.7.2");
        }
        if (Files.isRegularFile(folder.resolve("tokenizer.json"))) {
            Tokenizer tokenizer = Tokenizers.fromHuggingFace(folder);
            trie = TokenTrie.of(tokenizer);
            ends = tokenizer.specials().endOfGeneration().stream().mapToInt(Integer::intValue).toArray();
            System.out.println("vocabulary: Llama 3's real tokenizer.json from " + folder.toAbsolutePath()
                    + " (" + tokenizer.vocabularySize() + " tokens)");
        } else {
            trie = new TokenTrie(syntheticVocabulary(128_256));
            ends = new int[]{0};
            System.out.println("vocabulary: SYNTHETIC, 128,256 random byte strings (no Llama 3 tokenizer.json found)");
        }
        grammar = SchemaCompiler.compile(SCHEMA);
        sequence = document();
        warm = new ConstrainedDecoder(grammar, trie, ends, false);
        replay(warm);
        logits = new float[trie.vocabularySize()];
        System.out.println("document of " + sequence.length + " tokens");
    }

    /** One document's tokens, each drawn at random among those the mask allows (budget-aware). */
    private int[] document() {
        ConstrainedDecoder decoder = new ConstrainedDecoder(grammar, trie, ends, false);
        SplittableRandom random = new SplittableRandom(42);
        List<Integer> tokens = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        while (!decoder.complete() && tokens.size() < BUDGET) {
            long[] mask = decoder.allowed(BUDGET - tokens.size());
            List<Integer> allowed = new ArrayList<>();
            for (int id = 0; id < trie.vocabularySize(); id++) {
                if ((mask[id >>> 6] >>> id & 1) != 0 && !isEnd(id)) {
                    allowed.add(id);
                }
            }
            int token = allowed.get(random.nextInt(allowed.size()));
            decoder.accept(token);
            tokens.add(token);
            text.append(new String(trie.tokenBytes(token), StandardCharsets.UTF_8));
        }
        System.out.println("document: " + text);
        return tokens.stream().mapToInt(Integer::intValue).toArray();
    }

    private boolean isEnd(int id) {
        for (int end : ends) {
            if (end == id) {
                return true;
            }
        }
        return false;
    }

    private int replay(ConstrainedDecoder decoder) {
        int sum = 0;
        for (int i = 0; i < sequence.length; i++) {
            long[] mask = decoder.allowed(budget - i);
            sum += (int) mask[sequence[i] >>> 6];
            decoder.accept(sequence[i]);
        }
        return sum;
    }

    @Benchmark
    public int freshCacheDocument() {
        return replay(new ConstrainedDecoder(grammar, trie, ends, false));
    }

    @Benchmark
    public int warmCacheDocument() {
        warm.restart();
        return replay(warm);
    }

    /** Setting the disallowed logits to minus infinity, once (what each token adds on top of the mask). */
    @Benchmark
    public float applyMask() {
        warm.restart();
        ConstrainedDecoder.apply(logits, warm.allowed(-1));
        return logits[7];
    }

    private static byte[][] syntheticVocabulary(int size) {
        SplittableRandom random = new SplittableRandom(1);
        byte[][] vocabulary = new byte[size][];
        for (int id = 0; id < size; id++) {
            if (id < 256) {
                vocabulary[id] = new byte[]{(byte) id};
                continue;
            }
            int length = 2 + random.nextInt(8);
            vocabulary[id] = new byte[length];
            for (int k = 0; k < length; k++) {
                vocabulary[id][k] = (byte) (random.nextInt(10) == 0 ? " \"{}[],:0123456789".charAt(random.nextInt(18))
                        : 'a' + random.nextInt(26));
            }
        }
        return vocabulary;
    }
}
