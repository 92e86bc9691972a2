package io.streamllm.flink;

import java.util.ArrayList;
import java.util.List;

/**
 * The job's settings, read from {@code --name value} arguments.
 *
 * @param scorer             the model, cache, threads and seed of the keyed operator
 * @param input              the input file: one {@code key<TAB>text[<TAB>generate: N]} record per line
 * @param output             a directory for the output part files (exactly once with checkpoints), or null for stdout
 * @param parallelism        the parallelism of the keyed operator (and of the job)
 * @param checkpointDir      where checkpoints go (a path or URI), or null for no checkpoints
 * @param checkpointInterval milliseconds between checkpoints
 * @param stateBackend       Flink's state backend: hashmap, rocksdb or forst
 */
public record StreamJobSettings(ScorerSettings scorer, String input, String output, int parallelism,
                                String checkpointDir, long checkpointInterval, String stateBackend) {

    /** The usage line of {@link StreamJob#main}. */
    public static final String USAGE = "StreamJob --model PATH --input FILE [--output DIR] [--cache POLICY]"
            + " [--parallelism N] [--checkpoint-dir DIR] [--checkpoint-interval MS] [--state-backend hashmap|rocksdb|forst]"
            + " [--threads N] [--seed N]";

    /**
     * Reads the arguments of {@link StreamJob#main}.
     *
     * @param args {@code --name value} pairs
     * @return the settings
     * @throws IllegalArgumentException naming the bad or missing argument
     */
    public static StreamJobSettings parse(String[] args) {
        String model = null;
        String input = null;
        String output = null;
        String cache = null;
        String checkpointDir = null;
        String backend = "hashmap";
        int parallelism = 1;
        int threads = 1;
        long interval = 2000;
        long seed = 42;
        List<String> rest = new ArrayList<>(List.of(args));
        while (!rest.isEmpty()) {
            String name = rest.removeFirst();
            if (rest.isEmpty()) {
                throw new IllegalArgumentException(name + " needs a value. Usage: " + USAGE);
            }
            String value = rest.removeFirst();
            switch (name) {
                case "--model", "-m" -> model = value;
                case "--input" -> input = value;
                case "--output" -> output = value;
                case "--cache" -> cache = value;
                case "--checkpoint-dir" -> checkpointDir = value;
                case "--state-backend" -> backend = value;
                case "--parallelism" -> parallelism = positive(name, value);
                case "--threads" -> threads = positive(name, value);
                case "--checkpoint-interval" -> interval = positive(name, value);
                case "--seed" -> seed = number(name, value);
                default -> throw new IllegalArgumentException("unknown argument " + name + ". Usage: " + USAGE);
            }
        }
        if (model == null || input == null) {
            throw new IllegalArgumentException("--model and --input are required. Usage: " + USAGE);
        }
        if (!List.of("hashmap", "rocksdb", "forst").contains(backend)) {
            throw new IllegalArgumentException("--state-backend must be hashmap, rocksdb or forst, got " + backend);
        }
        return new StreamJobSettings(new ScorerSettings(model, cache, threads, seed), input, output, parallelism,
                checkpointDir, interval, backend);
    }

    private static int positive(String name, String value) {
        long number = number(name, value);
        if (number < 1 || number > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(name + " must be a positive integer, got " + value);
        }
        return (int) number;
    }

    private static long number(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " must be an integer, got " + value);
        }
    }
}
