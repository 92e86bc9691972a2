package io.streamllm.eval;

import io.streamllm.api.StreamllmException;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * A CSV file written row by row and flushed after each, so that a long run killed half way
 * leaves the rows it had. Values are plain numbers or strings without commas.
 */
final class CsvWriter implements AutoCloseable {
    private final Path file;
    private final BufferedWriter out;

    CsvWriter(Path file, String... header) {
        this.file = file;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            this.out = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
        row((Object[]) header);
    }

    /** Writes one row: doubles with six decimals, everything else as its string. */
    void row(Object... values) {
        StringJoiner line = new StringJoiner(",");
        for (Object value : values) {
            line.add(value instanceof Double d ? String.format(Locale.ROOT, "%.6f", d) : String.valueOf(value));
        }
        try {
            out.write(line.toString());
            out.newLine();
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    @Override
    public void close() {
        try {
            out.close();
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
