package io.streamllm.eval;

import io.streamllm.api.StreamllmException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * The outputs of {@code streamllm attention}: the sink-share CSV, the heat maps and the head summary.
 *
 * <p>Heads are classified on the later half of the stream (queries at positions tokens/2 and after, so that
 * the first tokens are not trivially both sink and local): a <em>sink head</em> puts at least
 * {@code sinkThreshold} of its mass on the first k tokens, a <em>local head</em> (otherwise) at least
 * {@code localThreshold} on the last few tokens, and the rest are <em>retrieval-like</em>.
 */
public final class AttentionReport {
    private static final int MAP_SIZE = 420;

    /** What a head mostly attends to. */
    public enum HeadKind { SINK, LOCAL, RETRIEVAL }

    private AttentionReport() {
    }

    /** Where the summary and the classification start: the later half of the stream. */
    public static int summaryFrom(AttentionStatistics stats) {
        return stats.tokens() / 2;
    }

    public static HeadKind kind(AttentionStatistics stats, int layer, int head, double sinkThreshold,
                                double localThreshold) {
        int from = summaryFrom(stats);
        if (stats.meanSinkShare(layer, head, from) >= sinkThreshold) {
            return HeadKind.SINK;
        }
        return stats.meanLocalShare(layer, head, from) >= localThreshold ? HeadKind.LOCAL : HeadKind.RETRIEVAL;
    }

    /** One row per layer, head and query position: layer,head,position,sink_share,local_share. */
    public static void writeCsv(Path file, AttentionStatistics stats) {
        try (CsvWriter csv = new CsvWriter(file, "layer", "head", "position", "sink_share", "local_share")) {
            for (int l = 0; l < stats.layers(); l++) {
                for (int h = 0; h < stats.heads(); h++) {
                    for (int p = 0; p < stats.tokens(); p++) {
                        csv.row(l, h, p, stats.sinkShare(l, h, p), stats.localShare(l, h, p));
                    }
                }
            }
        }
    }

    /**
     * One heat map per mapped layer (query position up, key position across, colour the head-averaged weight),
     * in a grid of up to three columns in one PNG.
     */
    public static void writeHeatMaps(Path file, String title, AttentionStatistics stats) {
        System.setProperty("java.awt.headless", "true");
        int n = stats.mapTokens();
        List<Integer> axis = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            axis.add(i);
        }
        List<HeatMapChart> charts = new ArrayList<>();
        for (int index = 0; index < stats.mappedLayers().size(); index++) {
            HeatMapChart chart = new HeatMapChartBuilder().width(MAP_SIZE).height(MAP_SIZE)
                    .title(title + ", layer " + stats.mappedLayers().get(index))
                    .xAxisTitle("key position").yAxisTitle("query position").build();
            chart.getStyler().setChartBackgroundColor(Color.WHITE);
            chart.getStyler().setLegendVisible(false);
            chart.getStyler().setRangeColors(new Color[]{Color.WHITE, new Color(0x3b, 0x6f, 0xb6), new Color(0x08, 0x1d, 0x58)});
            chart.getStyler().setMin(0);
            chart.getStyler().setMax(1);
            chart.getStyler().setXAxisDecimalPattern("#");
            chart.getStyler().setYAxisDecimalPattern("#");
            chart.getStyler().setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 8));
            chart.getStyler().setXAxisLabelRotation(90);
            List<Number[]> cells = new ArrayList<>();
            for (int q = 0; q < n; q++) {
                for (int k = 0; k <= q; k++) {
                    cells.add(new Number[]{k, q, stats.mapWeight(index, q, k)});
                }
            }
            chart.addSeries("attention", axis, axis, cells);
            charts.add(chart);
        }
        int columns = Math.min(3, charts.size());
        int rows = (charts.size() + columns - 1) / columns;
        BufferedImage grid = new BufferedImage(columns * MAP_SIZE, rows * MAP_SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = grid.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, grid.getWidth(), grid.getHeight());
        for (int i = 0; i < charts.size(); i++) {
            g.drawImage(BitmapEncoder.getBufferedImage(charts.get(i)), (i % columns) * MAP_SIZE, (i / columns) * MAP_SIZE, null);
        }
        g.dispose();
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            ImageIO.write(grid, "png", file.toFile());
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
    }

    /** One line per layer: its mean sink and local shares and which heads are of which kind. */
    public static String summary(AttentionStatistics stats, double sinkThreshold, double localThreshold) {
        int from = summaryFrom(stats);
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
                "Heads on queries at positions %d..%d: sink = mass on the first %d tokens >= %.2f;"
                        + " local = otherwise mass on the last %d tokens >= %.2f; retrieval-like = neither.%n",
                from, stats.tokens() - 1, stats.sinkTokens(), sinkThreshold, stats.localTokens(), localThreshold));
        out.append(String.format(Locale.ROOT, "%-6s %6s %6s  %-18s %-18s %s%n",
                "layer", "sink", "local", "sink heads", "local heads", "retrieval-like heads"));
        for (int l = 0; l < stats.layers(); l++) {
            double sink = 0;
            double local = 0;
            StringJoiner[] heads = {new StringJoiner(","), new StringJoiner(","), new StringJoiner(",")};
            for (int h = 0; h < stats.heads(); h++) {
                sink += stats.meanSinkShare(l, h, from) / stats.heads();
                local += stats.meanLocalShare(l, h, from) / stats.heads();
                heads[kind(stats, l, h, sinkThreshold, localThreshold).ordinal()].add(String.valueOf(h));
            }
            out.append(String.format(Locale.ROOT, "%-6d %6.3f %6.3f  %-18s %-18s %s%n", l, sink, local,
                    orDash(heads[0]), orDash(heads[1]), orDash(heads[2])));
        }
        return out.toString();
    }

    private static String orDash(StringJoiner heads) {
        return heads.length() == 0 ? "-" : heads.toString();
    }
}
