package io.streamllm.cli;

import java.io.PrintStream;

/** Status lines and progress on stderr, so that stdout carries only results. */
final class Console {
    private static final boolean INTERACTIVE = System.console() != null;

    private Console() {
    }

    static void status(String line) {
        err().println(line);
        err().flush();
    }

    /** Looked up each time, so that a redirected System.err (tests, embedding) is honoured. */
    private static PrintStream err() {
        return System.err;
    }

    static String bytes(long bytes) {
        if (bytes >= 1L << 30) {
            return String.format("%.2f GiB", bytes / (double) (1L << 30));
        }
        if (bytes >= 1L << 20) {
            return String.format("%.2f MiB", bytes / (double) (1L << 20));
        }
        if (bytes >= 1L << 10) {
            return String.format("%.1f KiB", bytes / 1024.0);
        }
        return bytes + " B";
    }

    /** A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise. */
    static final class Progress {
        private final String label;
        private final long total;
        private final String unit;
        private final long startNanos = System.nanoTime();
        private int lastShown = -1;

        Progress(String label, long total) {
            this(label, total, null);
        }

        /** A progress bar that also shows the rate, e.g. "1234 tok/s" for the unit "tok". */
        Progress(String label, long total, String unit) {
            this.label = label;
            this.total = Math.max(1, total);
            this.unit = unit;
        }

        void update(long done) {
            int percent = (int) Math.min(100, done * 100 / total);
            int step = INTERACTIVE ? percent : percent / 10 * 10;
            if (step == lastShown) {
                return;
            }
            lastShown = step;
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            String eta = done > 0 && done < total ? String.format(", %.0fs left", seconds * (total - done) / done) : "";
            String rate = unit != null && seconds > 0 ? String.format(", %.0f %s/s", done / seconds, unit) : "";
            int width = 30;
            int filled = width * percent / 100;
            String bar = "#".repeat(filled) + ".".repeat(width - filled);
            String text = String.format("%s [%s] %3d%% (%.0fs%s%s)", label, bar, percent, seconds, rate, eta);
            if (INTERACTIVE) {
                err().print("\r" + text + (percent == 100 ? "\n" : ""));
            } else {
                err().println(text);
            }
            err().flush();
        }

        void done() {
            update(total);
        }
    }
}
