package io.streamllm.tokenizer;

import io.streamllm.api.ModelFormatException;
import io.streamllm.util.Quote;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The word splits that GGUF's {@code tokenizer.ggml.pre} names, each the Java form of the Hugging Face
 * pre-tokenizer of that family (as llama.cpp lists them). Where a family splits in several steps, each
 * step splits the words of the one before. Every split is checked against Hugging Face's ids for real
 * vocabularies (reference/vocab) and real tokenizer.json files (npm fixtures).
 */
final class GgufPreTokenizers {
    /** StarCoder cuts every digit off first. */
    private static final Pattern DIGIT = Pattern.compile("\\p{N}", Pattern.UNICODE_CHARACTER_CLASS);

    /** ASCII punctuation and Unicode's, in runs (HF's Punctuation pre-tokenizer, behavior Contiguous). */
    private static final Pattern PUNCTUATION_RUN = Pattern.compile("[\\p{P}$+<=>^~|`]+", Pattern.UNICODE_CHARACTER_CLASS);

    /**
     * DeepSeek LLM: line breaks alone; runs of cased letters (Unicode's Lu, Ll and Lt, as DeepSeek's
     * tokenizer.json lists them) and of ASCII or full-width punctuation, each with one optional leading
     * space; trailing whitespace; CJK runs; digit runs. Written with code point escapes because several
     * range ends (e.g. U+1FD3, U+2126) are singletons that Unicode normalization of the source would
     * silently replace.
     */
    private static final Pattern[] DEEPSEEK_LLM = {
            Pattern.compile("[\\r\\n]"),
            Pattern.compile("\\s?[A-Za-z\\x{B5}\\x{C0}-\\x{D6}\\x{D8}-\\x{F6}\\x{F8}-\\x{1BA}\\x{1BC}-\\x{1BF}\\x{1C4}-\\x{293}"
                    + "\\x{295}-\\x{2AF}\\x{370}-\\x{373}\\x{376}\\x{377}\\x{37B}-\\x{37D}\\x{37F}\\x{386}"
                    + "\\x{388}-\\x{38A}\\x{38C}\\x{38E}-\\x{3A1}\\x{3A3}-\\x{3F5}\\x{3F7}-\\x{481}\\x{48A}-\\x{52F}"
                    + "\\x{531}-\\x{556}\\x{10A0}-\\x{10C5}\\x{13A0}-\\x{13F5}\\x{13F8}-\\x{13FD}\\x{1C90}-\\x{1CBA}"
                    + "\\x{1CBD}-\\x{1CBF}\\x{1D00}-\\x{1D2B}\\x{1D6B}-\\x{1D77}\\x{1D79}-\\x{1D9A}\\x{1E00}-\\x{1F15}"
                    + "\\x{1F18}-\\x{1F1D}\\x{1F20}-\\x{1F45}\\x{1F48}-\\x{1F4D}\\x{1F50}-\\x{1F57}\\x{1F59}\\x{1F5B}"
                    + "\\x{1F5D}\\x{1F5F}-\\x{1F7D}\\x{1F80}-\\x{1FB4}\\x{1FB6}-\\x{1FBC}\\x{1FBE}\\x{1FC2}-\\x{1FC4}"
                    + "\\x{1FC6}-\\x{1FCC}\\x{1FD0}-\\x{1FD3}\\x{1FD6}-\\x{1FDB}\\x{1FE0}-\\x{1FEC}\\x{1FF2}-\\x{1FF4}"
                    + "\\x{1FF6}-\\x{1FFC}\\x{2102}\\x{2107}\\x{210A}-\\x{2113}\\x{2115}\\x{2119}-\\x{211D}\\x{2124}"
                    + "\\x{2126}\\x{2128}\\x{212A}-\\x{212D}\\x{212F}-\\x{2134}\\x{2139}\\x{213C}-\\x{213F}"
                    + "\\x{2145}-\\x{2149}\\x{214E}\\x{2183}\\x{2184}\\x{2C00}-\\x{2C7B}\\x{2C7E}-\\x{2CE4}"
                    + "\\x{2CEB}-\\x{2CEE}\\x{2CF2}\\x{2CF3}\\x{A640}-\\x{A66D}\\x{A680}-\\x{A69B}\\x{A722}-\\x{A76F}"
                    + "\\x{A771}-\\x{A787}\\x{A78B}-\\x{A78E}\\x{AB70}-\\x{ABBF}\\x{FB00}-\\x{FB06}\\x{FB13}-\\x{FB17}"
                    + "\\x{FF21}-\\x{FF3A}\\x{FF41}-\\x{FF5A}\\x{10400}-\\x{1044F}\\x{104B0}-\\x{104D3}"
                    + "\\x{104D8}-\\x{104FB}\\x{10C80}-\\x{10CB2}\\x{10CC0}-\\x{10CF2}\\x{118A0}-\\x{118DF}"
                    + "\\x{1E900}-\\x{1E943}]+", Pattern.UNICODE_CHARACTER_CLASS),
            Pattern.compile("\\s?[!-/:-~\\x{FF01}-\\x{FF0F}\\x{FF1A}-\\x{FF5E}\\x{2018}-\\x{201F}\\x{3000}-\\x{3002}]+",
                    Pattern.UNICODE_CHARACTER_CLASS),
            // Rust's $ is the end of the text; Java's would also match before a final line break.
            Pattern.compile("\\s+\\z", Pattern.UNICODE_CHARACTER_CLASS),
            Pattern.compile("[\\x{4E00}-\\x{9FA5}\\x{0800}-\\x{4E00}\\x{AC00}-\\x{D7FF}]+"),
            Pattern.compile("\\p{N}+", Pattern.UNICODE_CHARACTER_CLASS),
    };

    /**
     * gpt-4o's o200k split, which gpt-oss uses: words by case (an upper-case run, then lower case) with a
     * contraction attached, numbers in threes, symbol runs with trailing line breaks or slashes. The same
     * string as gpt-oss's tokenizer.json, whose ids TransformersJsFixtureTest checks.
     */
    static final Pattern GPT4O_PATTERN = Pattern.compile(
            "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                    + "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
                    + "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+",
            Pattern.UNICODE_CHARACTER_CLASS);

    private static final Map<String, PreTokenizer> BY_NAME = new LinkedHashMap<>();

    static {
        PreTokenizer gpt2 = PreTokenizer.isolating(PreTokenizer.GPT2_PATTERN);
        PreTokenizer llama3 = PreTokenizer.isolating(PreTokenizer.LLAMA3_PATTERN);
        PreTokenizer qwen2 = PreTokenizer.isolating(PreTokenizer.QWEN2_PATTERN);
        register(gpt2, "default", "gpt2", "gpt-2", "mpt", "olmo", "jais");
        register(llama3, "llama3", "llama-v3", "llama-bpe", "dbrx", "smaug-bpe");
        register(qwen2, "qwen2", "deepseek-r1-qwen", "stablelm2");
        register(PreTokenizer.isolatingEach(DEEPSEEK_LLM), "deepseek-llm");
        register(PreTokenizer.isolating(GPT4O_PATTERN), "gpt-4o");
        // Falcon: punctuation runs, GPT-2's words, digit runs, and those cut into threes from the left.
        register(PreTokenizer.isolatingEach(PUNCTUATION_RUN, PreTokenizer.GPT2_PATTERN, Pattern.compile("[0-9]+"),
                Pattern.compile("[0-9]{3}")), "falcon");
        register(PreTokenizer.isolatingEach(DIGIT, PreTokenizer.GPT2_PATTERN), "starcoder", "refact", "command-r", "smollm");
    }

    private GgufPreTokenizers() {
    }

    private static void register(PreTokenizer preTokenizer, String... names) {
        for (String name : names) {
            BY_NAME.put(name, preTokenizer);
        }
    }

    /** The split {@code tokenizer.ggml.pre} names; an unknown name is refused with the list of known ones. */
    static PreTokenizer named(String name) {
        PreTokenizer preTokenizer = BY_NAME.get(name);
        if (preTokenizer == null) {
            throw new ModelFormatException("unsupported pre-tokenizer " + Quote.of(name) + " (tokenizer.ggml.pre; supported: "
                    + String.join(", ", BY_NAME.keySet()) + ")");
        }
        return preTokenizer;
    }
}
