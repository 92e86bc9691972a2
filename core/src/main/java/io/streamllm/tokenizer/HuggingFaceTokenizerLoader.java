package io.streamllm.tokenizer;

import io.streamllm.api.SpecialTokens;

import io.streamllm.util.Quote;
import io.streamllm.api.ModelFormatException;
import io.streamllm.util.Json;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads a Hugging Face model directory's tokenizer: {@code tokenizer.json} for the pipeline, and
 * {@code tokenizer_config.json}, {@code config.json} and {@code generation_config.json} for the special
 * tokens. Components the engine does not implement are refused with a message naming them.
 */
final class HuggingFaceTokenizerLoader {
    private static final String TOKENIZER_JSON = "tokenizer.json";
    /** Ids may leave gaps, but not so many that a single huge id allocates gigabytes of vocabulary. */
    private static final int MAX_UNNAMED_IDS = 1 << 16;
    /** One punctuation character: ASCII's (which Unicode partly calls symbols) or Unicode's. */
    private static final Pattern PUNCTUATION = Pattern.compile("[\\p{P}$+<=>^~|`]", Pattern.UNICODE_CHARACTER_CLASS);

    /** An entry of tokenizer.json's {@code added_tokens}. */
    private record AddedToken(int id, String content, boolean special, boolean normalized) {
    }

    /** What the decoder section says: how one token's piece becomes bytes, and whether text loses its leading space. */
    private record Decoder(Function<String, byte[]> pieceDecoder, boolean stripsLeadingSpace) {
    }

    /** The post-processor's template for a single text: tokens before it and after it. */
    private record Template(List<Integer> prefix, List<Integer> suffix) {
    }

    private HuggingFaceTokenizerLoader() {
    }

    static HuggingFaceBpeTokenizer load(Path directory) {
        Path tokenizerFile = directory.resolve(TOKENIZER_JSON);
        if (!Files.isRegularFile(tokenizerFile)) {
            throw new ModelFormatException(directory + ": no " + TOKENIZER_JSON + " (a Hugging Face model directory needs one)");
        }
        Map<String, Object> root = readJson(tokenizerFile);
        Map<String, Object> model = object(root.get("model"), "model");
        String modelType = string(model.get("type"), "model.type");
        if (!"BPE".equals(modelType)) {
            throw unsupported("model type", modelType, "BPE");
        }
        for (String affix : List.of("continuing_subword_prefix", "end_of_word_suffix")) {
            if (model.get(affix) instanceof String s && !s.isEmpty()) {
                throw new ModelFormatException(TOKENIZER_JSON + ": BPE with a " + affix + " is not supported");
            }
        }

        List<AddedToken> addedTokens = readAddedTokens(root.get("added_tokens"));
        Map<String, Object> vocab = object(model.get("vocab"), "model.vocab");
        Vocabulary vocabulary = buildVocabulary(vocab, addedTokens, (String) model.get("unk_token"));
        int unknownId = model.get("unk_token") instanceof String unk ? vocabulary.id(unk) : -1;
        BpeModel bpe = new BpeModel(vocabulary, readMerges(model.get("merges")), unknownId,
                flag(model, "byte_fallback"), flag(model, "fuse_unk"), flag(model, "ignore_merges"));

        UnaryOperator<String> normalizer = normalizer(root.get("normalizer"));
        Decoder decoder = decoder(root.get("decoder"));
        Map<String, Object> tokenizerConfig = readOptionalJson(directory.resolve("tokenizer_config.json"));
        Template template = adjustTemplate(postProcessor(root.get("post_processor"), vocabulary), tokenizerConfig, vocabulary);
        SpecialTokens specials = specialTokens(directory, tokenizerConfig, vocabulary, template);

        return new HuggingFaceBpeTokenizer(vocabulary, bpe, normalizer, preTokenizer(root.get("pre_tokenizer")),
                addedTokenMatcher(addedTokens, false, UnaryOperator.identity()),
                addedTokenMatcher(addedTokens, true, normalizer),
                toArray(template.prefix()), toArray(template.suffix()), specials,
                decoder.pieceDecoder(), decoder.stripsLeadingSpace());
    }

    // ---- vocabulary and model ----

    private static List<AddedToken> readAddedTokens(Object json) {
        List<AddedToken> tokens = new ArrayList<>();
        if (json == null) {
            return tokens;
        }
        for (Object entry : list(json, "added_tokens")) {
            Map<String, Object> token = object(entry, "added_tokens[]");
            tokens.add(new AddedToken(integer(token.get("id"), "added_tokens[].id"),
                    string(token.get("content"), "added_tokens[].content"),
                    Boolean.TRUE.equals(token.get("special")), Boolean.TRUE.equals(token.get("normalized"))));
        }
        return tokens;
    }

    private static Vocabulary buildVocabulary(Map<String, Object> vocab, List<AddedToken> addedTokens, String unknownPiece) {
        long maxId = -1; // a long: the largest id + 1 may not fit an int
        for (Map.Entry<String, Object> entry : vocab.entrySet()) {
            maxId = Math.max(maxId, integer(entry.getValue(), "model.vocab[" + Quote.of(entry.getKey()) + "]"));
        }
        for (AddedToken token : addedTokens) {
            maxId = Math.max(maxId, token.id());
        }
        long named = (long) vocab.size() + addedTokens.size();
        if (maxId + 1 - named > MAX_UNNAMED_IDS) {
            throw new ModelFormatException(TOKENIZER_JSON + ": token ids go up to " + maxId + " but only " + named
                    + " tokens are named; ids that sparse are not supported");
        }
        int size = (int) (maxId + 1);
        String[] pieces = new String[size];
        TokenType[] types = new TokenType[size];
        // Ids that nothing names stay unused; their piece is empty so that no text ever matches them.
        Arrays.fill(pieces, "");
        Arrays.fill(types, TokenType.UNUSED);
        vocab.forEach((piece, id) -> {
            int index = ((Number) id).intValue();
            pieces[index] = piece;
            types[index] = piece.equals(unknownPiece) ? TokenType.UNKNOWN : TokenType.NORMAL;
        });
        for (AddedToken token : addedTokens) {
            pieces[token.id()] = token.content();
            types[token.id()] = token.special() ? TokenType.CONTROL : TokenType.USER_DEFINED;
        }
        return new Vocabulary(pieces, types);
    }

    private static List<String[]> readMerges(Object json) {
        List<String[]> merges = new ArrayList<>();
        if (json == null) {
            return merges;
        }
        for (Object merge : list(json, "model.merges")) {
            if (merge instanceof String rule) {
                // The older form "left right": pieces cannot contain a space there.
                String[] parts = rule.split(" ", -1);
                if (parts.length != 2) {
                    throw new ModelFormatException(TOKENIZER_JSON + ": merge " + Quote.of(rule) + " is not two pieces separated by a space");
                }
                merges.add(parts);
            } else if (merge instanceof List<?> pair && pair.size() == 2
                    && pair.get(0) instanceof String left && pair.get(1) instanceof String right) {
                merges.add(new String[]{left, right});
            } else {
                throw new ModelFormatException(TOKENIZER_JSON + ": a merge is neither \"a b\" nor [\"a\", \"b\"]: " + merge);
            }
        }
        return merges;
    }

    /**
     * Added tokens are matched in the raw text unless marked "normalized": those are matched in the
     * normalized text, with their own text normalized the same way. Non-special added tokens are always
     * matched, special ones only when special tokens are parsed.
     */
    private static SpecialTokenMatcher addedTokenMatcher(
            List<AddedToken> addedTokens, boolean normalized, UnaryOperator<String> normalizer) {
        Map<String, Integer> tokens = new HashMap<>();
        Set<Integer> alwaysMatched = new HashSet<>();
        for (AddedToken token : addedTokens) {
            if (token.normalized() != normalized) {
                continue;
            }
            tokens.put(normalizer.apply(token.content()), token.id());
            if (!token.special()) {
                alwaysMatched.add(token.id());
            }
        }
        return new SpecialTokenMatcher(tokens, alwaysMatched::contains);
    }

    // ---- pipeline components ----

    private static UnaryOperator<String> normalizer(Object json) {
        if (json == null) {
            return UnaryOperator.identity();
        }
        Map<String, Object> spec = object(json, "normalizer");
        String type = string(spec.get("type"), "normalizer.type");
        return switch (type) {
            case "Sequence" -> {
                UnaryOperator<String> chain = UnaryOperator.identity();
                for (Object part : list(spec.get("normalizers"), "normalizer.normalizers")) {
                    UnaryOperator<String> first = chain;
                    UnaryOperator<String> next = normalizer(part);
                    chain = text -> next.apply(first.apply(text));
                }
                yield chain;
            }
            case "Prepend" -> {
                String prefix = string(spec.get("prepend"), "normalizer.prepend");
                yield text -> text.isEmpty() ? text : prefix + text; // an empty text stays empty
            }
            case "Replace" -> replacer(spec, "normalizer");
            case "NFC" -> text -> Normalizer.normalize(text, Normalizer.Form.NFC);
            case "NFD" -> text -> Normalizer.normalize(text, Normalizer.Form.NFD);
            case "NFKC" -> text -> Normalizer.normalize(text, Normalizer.Form.NFKC);
            case "NFKD" -> text -> Normalizer.normalize(text, Normalizer.Form.NFKD);
            case "Lowercase" -> text -> text.toLowerCase(Locale.ROOT);
            default -> throw unsupported("normalizer", type, "Sequence, Prepend, Replace, NFC, NFD, NFKC, NFKD, Lowercase");
        };
    }

    /** A Replace step (normalizer or decoder): a literal string or a regex, replaced by {@code content}. */
    private static UnaryOperator<String> replacer(Map<String, Object> spec, String where) {
        Map<String, Object> pattern = object(spec.get("pattern"), where + ".pattern");
        String content = string(spec.get("content"), where + ".content");
        if (pattern.get("String") instanceof String literal) {
            return text -> text.replace(literal, content);
        }
        Pattern regex = regex(pattern, where + ".pattern");
        String replacement = Matcher.quoteReplacement(content);
        return text -> regex.matcher(text).replaceAll(replacement);
    }

    private static Pattern regex(Map<String, Object> pattern, String where) {
        if (pattern.get("Regex") instanceof String regex) {
            // Oniguruma's \s, \w and \d are Unicode-aware, Java's only with this flag.
            try {
                return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
            } catch (PatternSyntaxException e) {
                throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " is not a valid regex: "
                        + e.getDescription() + " " + describe(regex));
            }
        }
        if (pattern.get("String") instanceof String literal) {
            return Pattern.compile(Pattern.quote(literal));
        }
        throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " is neither a String nor a Regex");
    }

    private static PreTokenizer preTokenizer(Object json) {
        if (json == null) {
            return PreTokenizer.NONE;
        }
        Map<String, Object> spec = object(json, "pre_tokenizer");
        String type = string(spec.get("type"), "pre_tokenizer.type");
        return switch (type) {
            case "Sequence" -> {
                PreTokenizer chain = PreTokenizer.NONE;
                for (Object part : list(spec.get("pretokenizers"), "pre_tokenizer.pretokenizers")) {
                    chain = chain.then(preTokenizer(part));
                }
                yield chain;
            }
            case "ByteLevel" -> PreTokenizer.byteLevel(flag(spec, "add_prefix_space"), !Boolean.FALSE.equals(spec.get("use_regex")));
            case "Metaspace" -> PreTokenizer.metaspace(replacementChar(spec, "pre_tokenizer"), prependScheme(spec),
                    !Boolean.FALSE.equals(spec.get("split")));
            case "Split" -> {
                Pattern pattern = regex(object(spec.get("pattern"), "pre_tokenizer.pattern"), "pre_tokenizer.pattern");
                String behavior = string(spec.get("behavior"), "pre_tokenizer.behavior");
                SplitBehavior splitBehavior = SplitBehavior.fromJsonName(behavior);
                if (splitBehavior == null) {
                    throw unsupported("Split behavior", behavior, "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
                }
                yield PreTokenizer.splitting(pattern, splitBehavior, flag(spec, "invert"));
            }
            case "Punctuation" -> {
                String behavior = spec.get("behavior") instanceof String name ? name : "Isolated";
                SplitBehavior splitBehavior = SplitBehavior.fromJsonName(behavior);
                if (splitBehavior == null) {
                    throw unsupported("Punctuation behavior", behavior, "Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
                }
                yield PreTokenizer.splitting(PUNCTUATION, splitBehavior, false);
            }
            case "Digits" -> PreTokenizer.isolating(Pattern.compile(
                    Boolean.TRUE.equals(spec.get("individual_digits")) ? "\\p{N}" : "\\p{N}+"));
            default -> throw unsupported("pre_tokenizer", type, "ByteLevel, Metaspace, Split, Punctuation, Digits, Sequence");
        };
    }

    private static char replacementChar(Map<String, Object> spec, String where) {
        String replacement = string(spec.get("replacement"), where + ".replacement");
        if (replacement.length() != 1) {
            throw new ModelFormatException(TOKENIZER_JSON + ": " + where + ".replacement must be one character");
        }
        return replacement.charAt(0);
    }

    /** Metaspace's prepend scheme; files written before the scheme existed say add_prefix_space instead. */
    private static String prependScheme(Map<String, Object> spec) {
        if (spec.get("prepend_scheme") instanceof String scheme) {
            return scheme;
        }
        return Boolean.FALSE.equals(spec.get("add_prefix_space")) ? "never" : "always";
    }

    private static Decoder decoder(Object json) {
        if (json == null) {
            return new Decoder(piece -> piece.getBytes(StandardCharsets.UTF_8), false);
        }
        List<Map<String, Object>> steps = new ArrayList<>();
        Map<String, Object> spec = object(json, "decoder");
        if ("Sequence".equals(spec.get("type"))) {
            for (Object part : list(spec.get("decoders"), "decoder.decoders")) {
                steps.add(object(part, "decoder.decoders[]"));
            }
        } else {
            steps.add(spec);
        }
        // Each step turns the piece's text into other text, or into bytes (after which the text steps
        // no longer apply). Fuse only joins the tokens, which decoding token by token does anyway.
        List<Function<Object, Object>> pieceSteps = new ArrayList<>();
        boolean stripsLeadingSpace = false;
        for (Map<String, Object> step : steps) {
            String type = string(step.get("type"), "decoder.type");
            switch (type) {
                case "Replace" -> {
                    UnaryOperator<String> replace = replacer(step, "decoder");
                    pieceSteps.add(value -> value instanceof String text ? replace.apply(text) : value);
                }
                case "ByteFallback" -> pieceSteps.add(value -> {
                    if (value instanceof String text && Vocabulary.parseByteTokenPiece(text) >= 0) {
                        return new byte[]{(byte) Vocabulary.parseByteTokenPiece(text)};
                    }
                    return value;
                });
                case "ByteLevel" -> pieceSteps.add(value -> value instanceof String text ? ByteLevelAlphabet.decode(text) : value);
                case "Fuse" -> {
                }
                case "Strip" -> {
                    Object content = step.get("content");
                    long start = integer(step.get("start"), "decoder.start");
                    long stop = integer(step.get("stop"), "decoder.stop");
                    if (!" ".equals(content) || start > 1 || stop != 0) {
                        throw new ModelFormatException(TOKENIZER_JSON + ": decoder Strip is supported only as "
                                + "content ' ', start 0 or 1, stop 0; found content " + Quote.of(content) + ", start " + start + ", stop " + stop);
                    }
                    stripsLeadingSpace |= start == 1;
                }
                case "Metaspace" -> {
                    String replacement = String.valueOf(replacementChar(step, "decoder"));
                    pieceSteps.add(value -> value instanceof String text ? text.replace(replacement, " ") : value);
                    stripsLeadingSpace |= !"never".equals(prependScheme(step));
                }
                default -> throw unsupported("decoder", type, "ByteLevel, ByteFallback, Fuse, Metaspace, Replace, Strip, Sequence");
            }
        }
        return new Decoder(piece -> {
            Object value = piece;
            for (Function<Object, Object> step : pieceSteps) {
                value = step.apply(value);
            }
            return value instanceof byte[] bytes ? bytes : ((String) value).getBytes(StandardCharsets.UTF_8);
        }, stripsLeadingSpace);
    }

    private static Template postProcessor(Object json, Vocabulary vocabulary) {
        Template template = new Template(new ArrayList<>(), new ArrayList<>());
        if (json == null) {
            return template;
        }
        Map<String, Object> spec = object(json, "post_processor");
        String type = string(spec.get("type"), "post_processor.type");
        switch (type) {
            case "Sequence" -> {
                for (Object part : list(spec.get("processors"), "post_processor.processors")) {
                    Template inner = postProcessor(part, vocabulary);
                    template.prefix().addAll(inner.prefix());
                    template.suffix().addAll(inner.suffix());
                }
            }
            case "ByteLevel" -> {
                // Only adjusts offsets; adds no tokens.
            }
            case "TemplateProcessing" -> {
                Map<String, Object> specialTokens = object(spec.get("special_tokens"), "post_processor.special_tokens");
                boolean afterSequence = false;
                for (Object item : list(spec.get("single"), "post_processor.single")) {
                    Map<String, Object> element = object(item, "post_processor.single[]");
                    if (element.containsKey("Sequence")) {
                        afterSequence = true;
                        continue;
                    }
                    String name = string(object(element.get("SpecialToken"), "post_processor.single[].SpecialToken").get("id"),
                            "post_processor.single[].SpecialToken.id");
                    Map<String, Object> special = object(specialTokens.get(name), "post_processor.special_tokens[" + Quote.of(name) + "]");
                    for (Object id : list(special.get("ids"), "post_processor.special_tokens[" + Quote.of(name) + "].ids")) {
                        (afterSequence ? template.suffix() : template.prefix()).add(tokenId(id, "special token id", vocabulary));
                    }
                }
            }
            case "RobertaProcessing", "BertProcessing" -> {
                template.prefix().add(pairId(spec.get("cls"), "post_processor.cls", vocabulary));
                template.suffix().add(pairId(spec.get("sep"), "post_processor.sep", vocabulary));
            }
            default -> throw unsupported("post_processor", type, "TemplateProcessing, ByteLevel, RobertaProcessing, BertProcessing, Sequence");
        }
        return template;
    }

    // ---- special tokens from the configuration files ----

    /**
     * tokenizer_config.json's add_bos_token / add_eos_token, when present, decide whether BOS / EOS are
     * added, over the template (as transformers' Llama tokenizers rebuild their template from them).
     */
    private static Template adjustTemplate(Template template, Map<String, Object> tokenizerConfig, Vocabulary vocabulary) {
        int bos = configuredTokenId(tokenizerConfig.get("bos_token"), vocabulary);
        int eos = configuredTokenId(tokenizerConfig.get("eos_token"), vocabulary);
        if (tokenizerConfig.get("add_bos_token") instanceof Boolean addBos && bos >= 0) {
            template.prefix().remove(Integer.valueOf(bos));
            if (addBos) {
                template.prefix().addFirst(bos);
            }
        }
        if (tokenizerConfig.get("add_eos_token") instanceof Boolean addEos && eos >= 0) {
            template.suffix().remove(Integer.valueOf(eos));
            if (addEos) {
                template.suffix().addLast(eos);
            }
        }
        return template;
    }

    private static SpecialTokens specialTokens(Path directory, Map<String, Object> tokenizerConfig, Vocabulary vocabulary,
                                               Template template) {
        Map<String, Object> config = readOptionalJson(directory.resolve("config.json"));
        Map<String, Object> generationConfig = readOptionalJson(directory.resolve("generation_config.json"));

        // The tokenizer's own naming comes first; the model configurations fill in what it leaves out.
        Set<Integer> bosCandidates = new LinkedHashSet<>();
        bosCandidates.add(configuredTokenId(tokenizerConfig.get("bos_token"), vocabulary));
        bosCandidates.addAll(configuredIds(generationConfig.get("bos_token_id"), vocabulary));
        bosCandidates.addAll(configuredIds(config.get("bos_token_id"), vocabulary));
        int bos = bosCandidates.stream().filter(id -> id >= 0).findFirst().orElse(-1);

        Set<Integer> eosIds = new LinkedHashSet<>();
        eosIds.add(configuredTokenId(tokenizerConfig.get("eos_token"), vocabulary));
        eosIds.addAll(configuredIds(generationConfig.get("eos_token_id"), vocabulary));
        eosIds.addAll(configuredIds(config.get("eos_token_id"), vocabulary));
        eosIds.remove(-1);
        int eos = eosIds.stream().findFirst().orElse(-1);

        int[] endIds = eosIds.stream().mapToInt(Integer::intValue).toArray();
        return new SpecialTokens(bos, eos, EndOfGeneration.collect(vocabulary, endIds),
                bos >= 0 && template.prefix().contains(bos));
    }

    /** A token named in tokenizer_config.json: a string, or an object whose "content" is the string. */
    private static int configuredTokenId(Object value, Vocabulary vocabulary) {
        if (value instanceof Map<?, ?> map) {
            value = map.get("content");
        }
        return value instanceof String piece ? vocabulary.id(piece) : -1;
    }

    /** A token id setting of config.json / generation_config.json: absent, a number, or a list of numbers. */
    private static List<Integer> configuredIds(Object value, Vocabulary vocabulary) {
        List<Integer> ids = new ArrayList<>();
        List<?> values = value instanceof List<?> list ? list : value == null ? List.of() : List.of(value);
        for (Object id : values) {
            if (id instanceof Number number && number.longValue() >= 0 && number.longValue() < vocabulary.size()) {
                ids.add(number.intValue());
            }
        }
        return ids;
    }

    // ---- JSON helpers ----

    private static Map<String, Object> readJson(Path file) {
        try {
            return Json.parseObject(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new ModelFormatException(file + ": cannot read: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(file + ": not valid JSON: " + e.getMessage(), e);
        }
    }

    private static Map<String, Object> readOptionalJson(Path file) {
        return Files.isRegularFile(file) ? readJson(file) : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> object(Object value, String where) {
        if (value instanceof Map<?, ?> map) {
            return (Map<String, Object>) map;
        }
        throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " should be an object but is " + describe(value));
    }

    private static List<?> list(Object value, String where) {
        if (value instanceof List<?> list) {
            return list;
        }
        throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " should be a list but is " + describe(value));
    }

    private static String string(Object value, String where) {
        if (value instanceof String s) {
            return s;
        }
        throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " should be a string but is " + describe(value));
    }

    private static int integer(Object value, String where) {
        if (value instanceof Long number && number >= 0 && number <= Integer.MAX_VALUE) {
            return number.intValue();
        }
        throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " should be a non-negative integer but is " + describe(value));
    }

    /** A token id that must name a token of the vocabulary. */
    private static int tokenId(Object value, String where, Vocabulary vocabulary) {
        int id = integer(value, where);
        if (id >= vocabulary.size()) {
            throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " " + id + " is not a token id (vocabulary of "
                    + vocabulary.size() + ")");
        }
        return id;
    }

    /** A [piece, id] pair, as the Roberta and Bert post-processors name their tokens. */
    private static int pairId(Object value, String where, Vocabulary vocabulary) {
        List<?> pair = list(value, where);
        if (pair.size() != 2) {
            throw new ModelFormatException(TOKENIZER_JSON + ": " + where + " should be [piece, id] but is " + describe(pair));
        }
        return tokenId(pair.get(1), where, vocabulary);
    }

    private static boolean flag(Map<String, Object> spec, String key) {
        return Boolean.TRUE.equals(spec.get(key));
    }

    /** A value for an error message, shortened so that the message stays one readable line. */
    private static String describe(Object value) {
        if (value == null) {
            return "missing";
        }
        String text = String.valueOf(value);
        return "'" + (text.length() > 60 ? text.substring(0, 60) + "..." : text) + "'";
    }

    private static ModelFormatException unsupported(String component, String type, String supported) {
        return new ModelFormatException(TOKENIZER_JSON + ": unsupported " + component + " " + Quote.of(type) + " (supported: " + supported + ")");
    }

    private static int[] toArray(List<Integer> ids) {
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
