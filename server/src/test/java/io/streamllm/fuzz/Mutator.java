package io.streamllm.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Deterministic, structure-aware mutations of seed inputs. Binary formats (GGUF, safetensors, snapshots)
 * are little- or big-endian records of lengths, counts and offsets: besides bit flips and truncation,
 * the mutator finds the 4- and 8-byte fields of a seed that hold small numbers (the likely lengths and
 * counts) and overwrites them with boundary values. Text formats (JSON, templates) get dictionary
 * tokens inserted, spans deleted, duplicated and spliced. The same random seed gives the same inputs.
 */
final class Mutator {
    private static final long[] BOUNDARY = {
            0, 1, 2, 3, 4, 7, 8, 15, 16, 31, 32, 63, 64, 127, 128, 255, 256, 511, 512, 1023, 1024, 4095, 4096, 65535, 65536,
            -1, -2, Byte.MAX_VALUE, Short.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE - 1, Integer.MIN_VALUE,
            0xffffffffL, 0x80000000L, 1L << 32, 1L << 40, 1L << 62, Long.MAX_VALUE, Long.MAX_VALUE - 31, Long.MIN_VALUE};

    private final SplittableRandom random;
    private final List<byte[]> seeds;
    private final List<String> dictionary;

    Mutator(long seed, List<byte[]> seeds, List<String> dictionary) {
        this.random = new SplittableRandom(seed);
        this.seeds = seeds;
        this.dictionary = dictionary;
    }

    SplittableRandom random() {
        return random;
    }

    /** A seed with one to four stacked mutations. */
    byte[] next() {
        byte[] input = seeds.get(random.nextInt(seeds.size()));
        int rounds = 1 + random.nextInt(4);
        for (int i = 0; i < rounds; i++) {
            input = mutate(input);
        }
        return input;
    }

    private byte[] mutate(byte[] in) {
        if (in.length == 0) {
            return insert(in, 0, token());
        }
        return switch (random.nextInt(13)) {
            case 0 -> flipBit(in);
            case 1 -> setByte(in);
            case 2, 3 -> overwriteField(in, 4, false);
            case 4, 5 -> overwriteField(in, 8, false);
            case 6 -> overwriteField(in, 4, true);
            case 7 -> Arrays.copyOf(in, random.nextInt(in.length)); // truncation
            case 8 -> deleteSpan(in);
            case 9 -> duplicateSpan(in);
            case 10 -> splice(in);
            case 11 -> insert(in, random.nextInt(in.length + 1), token());
            default -> replaceNumber(in);
        };
    }

    private byte[] flipBit(byte[] in) {
        byte[] out = in.clone();
        int at = random.nextInt(out.length);
        out[at] ^= (byte) (1 << random.nextInt(8));
        return out;
    }

    private byte[] setByte(byte[] in) {
        byte[] out = in.clone();
        out[random.nextInt(out.length)] = (byte) BOUNDARY[random.nextInt(BOUNDARY.length)];
        return out;
    }

    /**
     * Overwrites a {@code width}-byte field with a boundary value. Half of the time the field is one that
     * holds a small positive number in the input (a length, count, offset or dimension): inflating those
     * is what reaches the allocation and bounds checks.
     */
    private byte[] overwriteField(byte[] in, int width, boolean bigEndian) {
        if (in.length < width) {
            return setByte(in);
        }
        byte[] out = in.clone();
        int at = random.nextBoolean() ? smallField(out, width, bigEndian) : random.nextInt(out.length - width + 1);
        long value = BOUNDARY[random.nextInt(BOUNDARY.length)];
        if (random.nextInt(4) == 0) {
            value = read(out, at, width, bigEndian) + (random.nextBoolean() ? 1 : -1) * (1 + random.nextInt(16));
        } else if (random.nextInt(8) == 0) {
            value = out.length - random.nextInt(64); // near the size of the input: off-by-some bounds
        }
        for (int i = 0; i < width; i++) {
            int shift = 8 * (bigEndian ? width - 1 - i : i);
            out[at + i] = (byte) (value >>> shift);
        }
        return out;
    }

    /** A random offset whose field reads as a number in [1, 2^24), or any offset when a few tries find none. */
    private int smallField(byte[] in, int width, boolean bigEndian) {
        for (int tries = 0; tries < 32; tries++) {
            int at = random.nextInt(in.length - width + 1);
            long v = read(in, at, width, bigEndian);
            if (v > 0 && v < 1 << 24) {
                return at;
            }
        }
        return random.nextInt(in.length - width + 1);
    }

    private static long read(byte[] in, int at, int width, boolean bigEndian) {
        long v = 0;
        for (int i = 0; i < width; i++) {
            int shift = 8 * (bigEndian ? width - 1 - i : i);
            v |= (in[at + i] & 0xffL) << shift;
        }
        return v;
    }

    private byte[] deleteSpan(byte[] in) {
        int from = random.nextInt(in.length);
        int length = 1 + random.nextInt(Math.min(64, in.length - from));
        byte[] out = new byte[in.length - length];
        System.arraycopy(in, 0, out, 0, from);
        System.arraycopy(in, from + length, out, from, in.length - from - length);
        return out;
    }

    private byte[] duplicateSpan(byte[] in) {
        int from = random.nextInt(in.length);
        int length = 1 + random.nextInt(Math.min(64, in.length - from));
        return insert(in, random.nextInt(in.length + 1), Arrays.copyOfRange(in, from, from + length));
    }

    /** The head of this input and the tail of another seed. */
    private byte[] splice(byte[] in) {
        byte[] other = seeds.get(random.nextInt(seeds.size()));
        int cut = random.nextInt(in.length + 1);
        int otherCut = other.length == 0 ? 0 : random.nextInt(other.length);
        byte[] out = Arrays.copyOf(in, cut + other.length - otherCut);
        System.arraycopy(other, otherCut, out, cut, other.length - otherCut);
        return out;
    }

    /** Replaces an ASCII number of a text with a boundary number. */
    private byte[] replaceNumber(byte[] in) {
        int start = random.nextInt(in.length);
        while (start < in.length && !Character.isDigit(in[start])) {
            start++;
        }
        if (start == in.length) {
            return insert(in, random.nextInt(in.length + 1), token());
        }
        int end = start;
        while (end < in.length && Character.isDigit(in[end])) {
            end++;
        }
        String[] numbers = {"0", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775807",
                "9223372036854775808", "18446744073709551616", "1e309", "-0", "0.5", "1e-400", "4294967295",
                "99999999999999999999999999", "NaN"};
        byte[] number = numbers[random.nextInt(numbers.length)].getBytes(StandardCharsets.US_ASCII);
        byte[] out = new byte[in.length - (end - start) + number.length];
        System.arraycopy(in, 0, out, 0, start);
        System.arraycopy(number, 0, out, start, number.length);
        System.arraycopy(in, end, out, start + number.length, in.length - end);
        return out;
    }

    private byte[] token() {
        if (!dictionary.isEmpty() && random.nextInt(4) != 0) {
            return dictionary.get(random.nextInt(dictionary.size())).getBytes(StandardCharsets.UTF_8);
        }
        byte[] bytes = new byte[1 + random.nextInt(8)];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] insert(byte[] in, int at, byte[] piece) {
        byte[] out = new byte[in.length + piece.length];
        System.arraycopy(in, 0, out, 0, at);
        System.arraycopy(piece, 0, out, at, piece.length);
        System.arraycopy(in, at, out, at + piece.length, in.length - at);
        return out;
    }
}
