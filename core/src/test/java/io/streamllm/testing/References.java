package io.streamllm.testing;

import io.streamllm.util.Json;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Locates the repository's shipped models and the reference figures. The figures come from
 * {@code ../shared/reference} when that folder exists beside the repository (the source of truth),
 * otherwise from the copy shipped in {@code reference/}.
 */
public final class References {
    private References() {
    }

    /** The repository root (tests run with the module directory as working directory). */
    public static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("models"))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("cannot find the repository root (a folder holding models/)");
        }
        return dir;
    }

    /** A reference file, from ../shared/reference when present, else from the shipped copy. */
    public static Path file(String name) {
        Path root = repositoryRoot();
        Path shared = root.resolveSibling("shared").resolve("reference").resolve(name);
        if (Files.isRegularFile(shared)) {
            return shared;
        }
        Path shipped = root.resolve("reference").resolve(name);
        if (!Files.isRegularFile(shipped)) {
            throw new IllegalStateException("reference file " + name + " is neither in ../shared/reference nor in reference/");
        }
        return shipped;
    }

    /**
     * A reference folder: {@code ../shared/reference/NAME} when present (all its files), else the
     * shipped copy in {@code reference/NAME} (which may hold only some of them).
     */
    public static Path directory(String name) {
        Path root = repositoryRoot();
        Path shared = root.resolveSibling("shared").resolve("reference").resolve(name);
        if (Files.isDirectory(shared)) {
            return shared;
        }
        Path shipped = root.resolve("reference").resolve(name);
        if (!Files.isDirectory(shipped)) {
            throw new IllegalStateException("reference folder " + name + " is neither in ../shared/reference nor in reference/");
        }
        return shipped;
    }

    public static Map<String, Object> json(String name) {
        try {
            return Json.parseObject(Files.readString(file(name)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A shipped model file or directory, by its path under {@code models/}. */
    public static Path model(String path) {
        return repositoryRoot().resolve("models").resolve(path);
    }

    public static Path stories260K() {
        return repositoryRoot().resolve("models/stories260K/stories260K.gguf");
    }

    public static Path tinystories656k() {
        return repositoryRoot().resolve("models/tinystories-656k");
    }

    /** A shipped model by name: {@code stories260K} (GGUF) or {@code tinystories-656k} (Hugging Face). */
    public static Path shippedModel(String name) {
        return name.equals("stories260K") ? stories260K() : tinystories656k();
    }

    /** The reference token stream of a shipped model, {@code <name>-stream-seed0.json}. */
    public static int[] referenceStream(String name) {
        return ints(json(name + "-stream-seed0.json").get("tokens"));
    }

    /** The largest |fast - reference| over a row of logits. */
    public static double maxDifference(float[] fast, double[] reference) {
        double max = 0;
        for (int i = 0; i < reference.length; i++) {
            max = Math.max(max, Math.abs(fast[i] - reference[i]));
        }
        return max;
    }

    /**
     * The mean NLL of {@code tokens[1..]} from reference logits (a JSON array of rows, one per position):
     * the mean over t of -log softmax(row t-1)[tokens[t]], in double precision.
     */
    public static double meanNll(List<List<Number>> logits, int[] tokens) {
        double sum = 0;
        for (int t = 1; t < tokens.length; t++) {
            List<Number> row = logits.get(t - 1);
            double max = Double.NEGATIVE_INFINITY;
            for (Number v : row) {
                max = Math.max(max, v.doubleValue());
            }
            double total = 0;
            for (Number v : row) {
                total += Math.exp(v.doubleValue() - max);
            }
            sum += Math.log(total) + max - row.get(tokens[t]).doubleValue();
        }
        return sum / (tokens.length - 1);
    }

    /** A JSON array of integers as an int array. */
    public static int[] ints(Object jsonArray) {
        List<?> list = (List<?>) jsonArray;
        int[] out = new int[list.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = ((Number) list.get(i)).intValue();
        }
        return out;
    }
}
