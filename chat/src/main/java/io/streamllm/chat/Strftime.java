package io.streamllm.chat;

import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Python's {@code datetime.strftime} in the C locale, for the {@code strftime_now} of chat templates
 * (Llama 3.2 writes {@code strftime_now("%d %b %Y")}). Also takes glibc's {@code %-d} (no padding).
 */
final class Strftime {
    private Strftime() {
    }

    static String format(String pattern, ZonedDateTime time) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c != '%' || i + 1 == pattern.length()) {
                out.append(c);
                continue;
            }
            boolean unpadded = pattern.charAt(i + 1) == '-' && i + 2 < pattern.length();
            char directive = pattern.charAt(unpadded ? i + 2 : i + 1);
            String field = field(directive, time);
            if (field == null) {
                out.append(pattern, i, i + (unpadded ? 3 : 2)); // unknown directives stay as written, as in glibc
            } else {
                out.append(unpadded ? stripPadding(field) : field);
            }
            i += unpadded ? 2 : 1;
        }
        return out.toString();
    }

    private static String field(char directive, ZonedDateTime t) {
        return switch (directive) {
            case 'a' -> t.getDayOfWeek().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'A' -> t.getDayOfWeek().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'w' -> Integer.toString(t.getDayOfWeek().getValue() % 7);
            case 'd' -> two(t.getDayOfMonth());
            case 'e' -> String.format("%2d", t.getDayOfMonth());
            case 'b', 'h' -> t.getMonth().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'B' -> t.getMonth().getDisplayName(TextStyle.FULL, Locale.ENGLISH);
            case 'm' -> two(t.getMonthValue());
            case 'y' -> two(t.getYear() % 100);
            case 'Y' -> Integer.toString(t.getYear());
            case 'H' -> two(t.getHour());
            case 'I' -> two(t.getHour() % 12 == 0 ? 12 : t.getHour() % 12);
            case 'p' -> t.getHour() < 12 ? "AM" : "PM";
            case 'M' -> two(t.getMinute());
            case 'S' -> two(t.getSecond());
            case 'f' -> String.format("%06d", t.getNano() / 1000);
            case 'j' -> String.format("%03d", t.getDayOfYear());
            case 'z' -> t.getOffset().getId().equals("Z") ? "+0000" : t.getOffset().getId().replace(":", "");
            case 'Z' -> t.getZone().getDisplayName(TextStyle.SHORT, Locale.ENGLISH);
            case 'U' -> two((t.getDayOfYear() + 6 - t.getDayOfWeek().getValue() % 7) / 7);
            case 'W' -> two((t.getDayOfYear() + 6 - (t.get(ChronoField.DAY_OF_WEEK) - 1)) / 7);
            case 'c' -> format("%a %b %e %H:%M:%S %Y", t);
            case 'x' -> format("%m/%d/%y", t);
            case 'X' -> format("%H:%M:%S", t);
            case '%' -> "%";
            default -> null;
        };
    }

    private static String two(int value) {
        return String.format("%02d", value);
    }

    private static String stripPadding(String field) {
        String stripped = field.replaceFirst("^[0 ]+", "");
        return stripped.isEmpty() ? "0" : stripped;
    }
}
