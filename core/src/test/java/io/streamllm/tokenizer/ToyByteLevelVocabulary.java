package io.streamllm.tokenizer;

import io.streamllm.gguf.GgufWriter;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A small GPT-2 style byte-level vocabulary made for the tests, written as a GGUF file:
 * ids 0..255 are the 256 byte characters in byte order (so a single byte's id is its value), then
 * the tokens of {@link #MERGES} in order, then the control and user-defined tokens.
 */
final class ToyByteLevelVocabulary {
    /**
     * Merge rules, best first. They are chosen so that each of the pre-tokenizer's rules shows in the
     * result: "3 4" outranks "1 2" so that digit groups show where a number was cut, "t '" would glue a
     * contraction to its word if the split let it, and so on.
     */
    static final String[] MERGES = {
            "3 4",      // 256 "34"
            "1 2",      // 257 "12"
            "12 3",     // 258 "123"
            "Ġ t",      // 259 "Ġt"
            "h e",      // 260 "he"
            "Ġt he",    // 261 "Ġthe"
            "t '",      // 262 "t'"  (never seen when contractions are split off)
            "' s",      // 263 "'s"
            "Ġ Ġ",      // 264 "ĠĠ"
            "Ċ Ċ",      // 265 "ĊĊ"
            "! !",      // 266 "!!"
            "i t",      // 267 "it"
            "Ã ©",      // 268 "Ã©"  (é)
            "h Ã©",     // 269 "hÃ©" (hé)
            "l l",      // 270 "ll"
            "Ġ 1",      // 271 "Ġ1"
            "e l",      // 272 "el"
            "Ġ w",      // 273 "Ġw"
            "Ġw o",     // 274 "Ġwo"
            "Ġ He",     // 275 "ĠHe"
            "H e",      // 276 "He"
            "He ll",    // 277 "Hell"
            "Hell o",   // 278 "Hello"
    };
    static final String BOS = "<|begin_of_text|>";
    static final String EOT = "<|eot_id|>";
    static final String USER_DEFINED = "<tool>";
    static final int FIRST_MERGED_ID = 256;
    static final int BOS_ID = FIRST_MERGED_ID + MERGES.length;
    static final int EOT_ID = BOS_ID + 1;
    static final int USER_DEFINED_ID = BOS_ID + 2;

    private ToyByteLevelVocabulary() {
    }

    static String[] tokens() {
        List<String> tokens = new ArrayList<>();
        for (int b = 0; b < 256; b++) {
            tokens.add(byteChar(b));
        }
        for (String merge : MERGES) {
            tokens.add(merge.replace(" ", ""));
        }
        tokens.add(BOS);
        tokens.add(EOT);
        tokens.add(USER_DEFINED);
        return tokens.toArray(String[]::new);
    }

    /**
     * The character GPT-2 writes byte {@code b} as, derived here on its own (not with the code under
     * test): printable Latin-1 bytes are themselves, the rest take U+0100 onwards in byte order.
     */
    static String byteChar(int b) {
        int unprintableBefore = 0;
        for (int i = 0; i < b; i++) {
            if (!printable(i)) {
                unprintableBefore++;
            }
        }
        return String.valueOf((char) (printable(b) ? b : 0x100 + unprintableBefore));
    }

    private static boolean printable(int b) {
        return (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
    }

    static int[] tokenTypes() {
        int[] types = new int[tokens().length];
        Arrays.fill(types, 1);
        types[BOS_ID] = 3;
        types[EOT_ID] = 3;
        types[USER_DEFINED_ID] = 4;
        return types;
    }

    /** Writes the vocabulary with pre-tokenizer {@code pre} (null: no tokenizer.ggml.pre key). */
    static Path write(Path file, String pre) {
        GgufWriter writer = new GgufWriter()
                .putString("general.architecture", "llama")
                .putString("tokenizer.ggml.model", "gpt2")
                .putStrings("tokenizer.ggml.tokens", tokens())
                .putInts("tokenizer.ggml.token_type", tokenTypes())
                .putStrings("tokenizer.ggml.merges", MERGES)
                .putUInt32("tokenizer.ggml.bos_token_id", BOS_ID)
                .putUInt32("tokenizer.ggml.eos_token_id", EOT_ID);
        if (pre != null) {
            writer.putString("tokenizer.ggml.pre", pre);
        }
        writer.write(file);
        return file;
    }
}
