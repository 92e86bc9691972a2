package io.streamllm.api;

import io.streamllm.kv.HeadSplit;
import io.streamllm.util.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Which KV heads of a model are retrieval heads, for the {@code duo:S:W:R} cache policy (DuoAttention): a
 * retrieval score per layer and KV head, the mean attention mass its queries give beyond the first
 * {@link #sinkTokens} tokens and their last {@link #localTokens} (one minus the sink and local shares of
 * {@code streamllm attention}), measured over a calibration text. A duo policy makes the top share of heads
 * retrieval heads. The calibration is saved beside the model ({@link #fileFor}), where sessions find it.
 */
public final class DuoCalibration {
    private final double[][] retrievalScores;
    private final int sinkTokens;
    private final int localTokens;
    private final int tokens;

    /**
     * A calibration from measured scores.
     *
     * @param retrievalScores per layer and KV head, the mean attention beyond the sinks and the local tokens
     * @param sinkTokens      the first tokens counted as sinks
     * @param localTokens     the tokens before each query (itself included) counted as local
     * @param tokens          the calibration text's length in tokens
     * @throws InvalidSettingException when the scores are not a full table of numbers
     */
    public DuoCalibration(double[][] retrievalScores, int sinkTokens, int localTokens, int tokens) {
        if (retrievalScores.length == 0 || retrievalScores[0].length == 0) {
            throw new InvalidSettingException("a duo calibration needs a score for every layer and KV head");
        }
        this.retrievalScores = new double[retrievalScores.length][];
        for (int l = 0; l < retrievalScores.length; l++) {
            if (retrievalScores[l].length != retrievalScores[0].length) {
                throw new InvalidSettingException("a duo calibration needs as many KV heads in every layer");
            }
            this.retrievalScores[l] = retrievalScores[l].clone();
        }
        this.sinkTokens = sinkTokens;
        this.localTokens = localTokens;
        this.tokens = tokens;
    }

    /**
     * Where the calibration of the model at {@code model} is kept: beside it, named after it.
     *
     * @param model a GGUF file or a Hugging Face model directory
     * @return {@code MODEL.duo.json} in the same folder
     */
    public static Path fileFor(Path model) {
        Path name = model.toAbsolutePath().normalize().getFileName();
        return model.toAbsolutePath().normalize().resolveSibling(name + ".duo.json");
    }

    /** {@return the retrieval score of every layer (outer) and KV head (inner), a copy} */
    public double[][] retrievalScores() {
        double[][] copy = new double[retrievalScores.length][];
        for (int l = 0; l < copy.length; l++) {
            copy[l] = retrievalScores[l].clone();
        }
        return copy;
    }

    /** {@return the first tokens counted as sinks} */
    public int sinkTokens() {
        return sinkTokens;
    }

    /** {@return the tokens before each query, itself included, counted as local} */
    public int localTokens() {
        return localTokens;
    }

    /** {@return the calibration text's length in tokens} */
    public int tokens() {
        return tokens;
    }

    /**
     * Which heads a share of retrieval heads makes retrieval heads: the highest scores, rounded to whole heads.
     *
     * @param share the share of retrieval heads, 0 to 1
     * @return per layer and KV head, whether it is a retrieval head
     */
    public boolean[][] retrievalHeads(double share) {
        HeadSplit split = HeadSplit.top(retrievalScores, share);
        boolean[][] heads = new boolean[split.layers()][split.kvHeads()];
        for (int l = 0; l < heads.length; l++) {
            for (int h = 0; h < heads[l].length; h++) {
                heads[l][h] = split.isRetrieval(l, h);
            }
        }
        return heads;
    }

    HeadSplit split(double share) {
        return HeadSplit.top(retrievalScores, share);
    }

    /**
     * Writes the calibration as JSON.
     *
     * @param file where to write it, usually {@link #fileFor} the model
     * @throws StreamllmException when it cannot be written
     */
    public void save(Path file) {
        StringBuilder json = new StringBuilder();
        json.append("{\n  \"sinkTokens\": ").append(sinkTokens)
                .append(",\n  \"localTokens\": ").append(localTokens)
                .append(",\n  \"tokens\": ").append(tokens)
                .append(",\n  \"retrievalScores\": [");
        for (int l = 0; l < retrievalScores.length; l++) {
            json.append(l == 0 ? "\n    [" : ",\n    [");
            for (int h = 0; h < retrievalScores[l].length; h++) {
                json.append(h == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.6f", retrievalScores[l][h]));
            }
            json.append(']');
        }
        json.append("\n  ]\n}\n");
        try {
            Files.writeString(file, json);
        } catch (IOException e) {
            throw new StreamllmException("cannot write the duo calibration " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a calibration written by {@link #save}.
     *
     * @param file the JSON file
     * @return the calibration
     * @throws InvalidSettingException when the file is missing or is not a duo calibration
     */
    public static DuoCalibration load(Path file) {
        try {
            Map<String, Object> json = Json.parseObject(Files.readString(file));
            List<?> layers = (List<?>) json.get("retrievalScores");
            double[][] scores = new double[layers.size()][];
            for (int l = 0; l < scores.length; l++) {
                List<?> heads = (List<?>) layers.get(l);
                scores[l] = new double[heads.size()];
                for (int h = 0; h < heads.size(); h++) {
                    scores[l][h] = ((Number) heads.get(h)).doubleValue();
                }
            }
            return new DuoCalibration(scores, ((Number) json.get("sinkTokens")).intValue(),
                    ((Number) json.get("localTokens")).intValue(), ((Number) json.get("tokens")).intValue());
        } catch (IOException e) {
            throw new InvalidSettingException("no duo calibration at " + file + " (" + e.getMessage() + ")");
        } catch (RuntimeException e) {
            throw new InvalidSettingException("not a duo calibration: " + file + " (" + e.getMessage() + ")");
        }
    }
}
