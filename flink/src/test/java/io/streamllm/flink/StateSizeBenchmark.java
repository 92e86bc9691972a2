package io.streamllm.flink;

import io.streamllm.api.StreamingModel;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Not a test: prints the keyed state of one key (what a checkpoint stores for it: the session snapshot, the token
 * count and the pending token) as its stream grows to 10k, 100k and 1M tokens, through the operator's own step, and
 * writes a CSV and a PNG plot of it.
 *
 * <p>Usage: {@code StateSizeBenchmark MODEL TEXT_FILE OUT_PREFIX [CACHE] [MAX_TOKENS]}: the text file's lines (the
 * text after a tab, if any) are the stream, over and over. The CSV and the plot are rewritten at every mark, so a
 * run stopped early leaves its figures so far; {@code StateSizeBenchmark --plot OUT_PREFIX} redraws the plot
 * from the CSV.
 */
public final class StateSizeBenchmark {

    public static void main(String[] args) throws Exception {
        if (args[0].equals("--plot")) {
            List<Double> tokens = new ArrayList<>();
            List<Double> bytes = new ArrayList<>();
            for (String row : Files.readAllLines(Path.of(args[1] + ".csv")).stream().skip(1).toList()) {
                tokens.add(Double.parseDouble(row.split(",")[0]));
                bytes.add(Double.parseDouble(row.split(",")[1]) / 1024.0);
            }
            plot(tokens, bytes, Path.of(args[1]));
            return;
        }
        Path modelPath = Path.of(args[0]);
        List<String> verses = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of(args[1]))) {
            verses.add(line.substring(line.indexOf('\t') + 1));
        }
        Path out = Path.of(args[2]);
        String cache = args.length > 3 ? args[3] : null;
        long max = args.length > 4 ? Long.parseLong(args[4]) : 1_000_000;
        long[] marks = {1_000, 10_000, 100_000, 1_000_000};

        List<Double> tokens = new ArrayList<>();
        List<Double> bytes = new ArrayList<>();
        StringBuilder csv = new StringBuilder("stream_tokens,state_bytes,snapshot_bytes,seconds\n");
        long start = System.nanoTime();
        try (StreamingModel model = StreamingModel.load(modelPath)) {
            KeyStream stream = new KeyStream(model, new ScorerSettings(modelPath.toString(), cache, 1, 1));
            KeyState state = null;
            int next = 0;
            int verse = 0;
            while (next < marks.length && marks[next] <= max) {
                // records of ~200 tokens: a few verses each, well inside the cache
                StringBuilder record = new StringBuilder();
                while (record.length() < 400) {
                    record.append(verses.get(verse++ % verses.size())).append(' ');
                }
                state = stream.step(state, record.toString(), 0).state();
                if (state.tokens() >= marks[next]) {
                    double seconds = (System.nanoTime() - start) / 1e9;
                    String row = state.tokens() + "," + state.bytes() + "," + state.snapshot().length + ","
                            + String.format("%.1f", seconds);
                    System.out.println(row);
                    csv.append(row).append('\n');
                    Files.writeString(Path.of(out + ".csv"), csv);
                    tokens.add((double) state.tokens());
                    bytes.add(state.bytes() / 1024.0);
                    plot(tokens, bytes, out);
                    next++;
                }
            }
        }
    }

    private static void plot(List<Double> tokens, List<Double> bytes, Path out) throws Exception {
        XYChart chart = new XYChartBuilder().width(640).height(400)
                .title("Keyed state per key vs stream length (stories260K, sink cache)")
                .xAxisTitle("tokens in the key's stream").yAxisTitle("state per key (KiB)").build();
        chart.getStyler().setXAxisLogarithmic(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisMax(bytes.stream().mapToDouble(Double::doubleValue).max().orElse(1) * 1.25);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.getStyler().setLegendVisible(false);
        chart.addSeries("state", tokens, bytes).setMarker(SeriesMarkers.CIRCLE);
        BitmapEncoder.saveBitmap(chart, out.toString(), BitmapEncoder.BitmapFormat.PNG);
    }
}
