package io.streamllm.eval;

import io.streamllm.api.StreamllmException;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Line charts written as PNG files, in one style for every figure of the evaluation. */
final class Charts {
    static {
        // Charts are drawn off screen; without this, AWT looks for a display on some systems.
        System.setProperty("java.awt.headless", "true");
    }

    private static final int WIDTH = 1000;
    private static final int HEIGHT = 480;

    private Charts() {
    }

    static XYChart lineChart(String title, String xTitle, String yTitle) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(HEIGHT).title(title)
                .xAxisTitle(xTitle).yAxisTitle(yTitle).build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setPlotBorderVisible(true);
        chart.getStyler().setXAxisDecimalPattern("#,###");
        chart.getStyler().setYAxisDecimalPattern("#,##0.###");
        return chart;
    }

    /** Adds a line; points are marked only when there are few enough of them to tell apart. */
    static XYSeries line(XYChart chart, String name, double[] x, double[] y) {
        XYSeries series = chart.addSeries(name, x, y);
        if (x.length > 30) {
            series.setMarker(SeriesMarkers.NONE);
        }
        return series;
    }

    /** Writes the charts one above the other into one PNG, creating the folder when needed. */
    static void save(Path file, List<? extends Chart<?, ?>> charts) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                BitmapEncoder.saveBitmap(charts, charts.size(), 1, out, BitmapEncoder.BitmapFormat.PNG);
            }
        } catch (IOException e) {
            throw new StreamllmException("cannot write " + file + ": " + e.getMessage());
        }
    }
}
