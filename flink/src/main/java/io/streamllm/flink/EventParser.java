package io.streamllm.flink;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads one input line, as bytes: {@code key<TAB>text}, or {@code key<TAB>text<TAB>generate: N} to also ask
 * for an N-token continuation. The bytes are decoded here, strictly, so that invalid UTF-8 becomes a per-record
 * error instead of silently turning into replacement characters.
 */
final class EventParser {
    /** The third field: a continuation request. */
    private static final Pattern GENERATE = Pattern.compile("generate:\\s*(\\d{1,6})\\s*");
    private static final byte TAB = '\t';

    private EventParser() {
    }

    static Event parse(long line, byte[] bytes) {
        int end = bytes.length;
        if (end > 0 && bytes[end - 1] == '\r') {
            end--; // CRLF input
        }
        if (end == 0) {
            return Event.bad(line, "", "empty record");
        }
        int tab = indexOf(bytes, 0, end);
        String key;
        try {
            key = strictUtf8(bytes, 0, tab < 0 ? end : tab);
        } catch (CharacterCodingException e) {
            return Event.bad(line, new String(bytes, 0, tab < 0 ? end : tab, StandardCharsets.UTF_8),
                    "invalid UTF-8 in the key");
        }
        if (tab < 0) {
            return Event.bad(line, key, "no text: a record is key<TAB>text");
        }
        int secondTab = indexOf(bytes, tab + 1, end);
        int textEnd = secondTab < 0 ? end : secondTab;
        String text;
        try {
            text = strictUtf8(bytes, tab + 1, textEnd);
        } catch (CharacterCodingException e) {
            return Event.bad(line, key, "invalid UTF-8 in the text");
        }
        if (text.isBlank()) {
            return Event.bad(line, key, "no text: a record is key<TAB>text");
        }
        int generate = 0;
        if (secondTab >= 0) {
            String request = new String(bytes, secondTab + 1, end - secondTab - 1, StandardCharsets.UTF_8);
            Matcher matcher = GENERATE.matcher(request);
            if (!matcher.matches()) {
                return Event.bad(line, key, "the third field must be 'generate: N' (N tokens, 1 to 100000)");
            }
            generate = Integer.parseInt(matcher.group(1));
            if (generate < 1 || generate > 100_000) {
                return Event.bad(line, key, "the third field must be 'generate: N' (N tokens, 1 to 100000)");
            }
        }
        return new Event(line, key, text, generate, null);
    }

    private static int indexOf(byte[] bytes, int from, int end) {
        for (int i = from; i < end; i++) {
            if (bytes[i] == TAB) {
                return i;
            }
        }
        return -1;
    }

    private static String strictUtf8(byte[] bytes, int from, int to) throws CharacterCodingException {
        return StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT)
                .decode(ByteBuffer.wrap(Arrays.copyOfRange(bytes, from, to)))
                .toString();
    }
}
