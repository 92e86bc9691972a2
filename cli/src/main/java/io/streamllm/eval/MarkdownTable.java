package io.streamllm.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;

/** A markdown table: a header, then rows; the first column is left-aligned, the others right-aligned. */
final class MarkdownTable {
    private final List<String> header;
    private final List<List<String>> rows = new ArrayList<>();

    MarkdownTable(List<String> header) {
        this.header = List.copyOf(header);
    }

    MarkdownTable row(List<String> cells) {
        if (cells.size() != header.size()) {
            throw new IllegalArgumentException("a row of " + cells.size() + " cells in a table of " + header.size() + " columns");
        }
        rows.add(List.copyOf(cells));
        return this;
    }

    @Override
    public String toString() {
        StringBuilder out = new StringBuilder(line(header));
        List<String> rule = new ArrayList<>(List.of("---"));
        for (int i = 1; i < header.size(); i++) {
            rule.add("---:");
        }
        out.append(line(rule));
        rows.forEach(row -> out.append(line(row)));
        return out.toString();
    }

    private static String line(List<String> cells) {
        StringJoiner line = new StringJoiner(" | ", "| ", " |\n");
        cells.forEach(line::add);
        return line.toString();
    }
}
