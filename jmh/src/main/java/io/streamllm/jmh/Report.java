package io.streamllm.jmh;

import io.streamllm.tensor.GgmlType;
import java.util.Collection;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs the benchmarks (same command line as JMH's own main, e.g. {@code MatmulBenchmark.matvec -p threads=1})
 * and prints their times as GB/s of weights streamed and GFLOP/s.
 */
public final class Report {
    private Report() {
    }

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        // The machine may be shared: besides the mean, print the median and the best (minimum) time,
        // which other processes can only make worse. With -bm sample these are over single calls.
        System.out.println();
        System.out.printf("%-26s %-5s %-10s %3s %5s %11s %11s %11s %8s %8s %9s %9s%n",
                "benchmark", "type", "shape", "thr", "cold", "mean us", "median us", "best us",
                "GB/s p50", "GB/s max", "GFLOP p50", "GFLOP max");
        for (RunResult result : results) {
            BenchmarkParams params = result.getParams();
            String benchmark = params.getBenchmark();
            String name = benchmark.substring(benchmark.lastIndexOf('.', benchmark.lastIndexOf('.') - 1) + 1);
            var stats = result.getPrimaryResult().getStatistics();
            double scale = micros(result.getPrimaryResult().getScoreUnit());
            double mean = stats.getMean() * scale;
            double median = stats.getPercentile(50) * scale;
            double best = stats.getMin() * scale;
            String type = params.getParam("type");
            String shape = params.getParam("shape");
            String threads = params.getParam("threads");
            double bytes = Double.NaN;
            double flops = Double.NaN;
            if (type != null && shape != null) {
                String[] dims = shape.split("x");
                long rows = Long.parseLong(dims[0]);
                long cols = Long.parseLong(dims[1]);
                bytes = GgmlType.valueOf(type).bytesFor(rows * cols);
                flops = 2.0 * rows * cols * batch(name);
            } else if (name.startsWith("PrefillInt8Benchmark") && !name.endsWith("Only")) {
                flops = 2.0 * PrefillInt8Benchmark.ROWS * PrefillInt8Benchmark.COLS * PrefillInt8Benchmark.BATCH;
            } else if (name.startsWith("BandwidthBenchmark")) {
                bytes = BandwidthBenchmark.BYTES;
            }
            System.out.printf("%-26s %-5s %-10s %3s %5s %11.3f %11.3f %11.3f %8.2f %8.2f %9.2f %9.2f%n", name,
                    type == null ? "" : type, shape == null ? "" : shape, threads == null ? "" : threads,
                    params.getParam("coldCache") == null ? "" : params.getParam("coldCache"),
                    mean, median, best, bytes / median / 1e3, bytes / best / 1e3, flops / median / 1e3, flops / best / 1e3);
        }
    }

    /** Inputs per call of a MatmulBenchmark method: matvec 1, batchN N. */
    private static int batch(String name) {
        String method = name.substring(name.lastIndexOf('.') + 1);
        return method.startsWith("batch") ? Integer.parseInt(method.substring("batch".length())) : 1;
    }

    /** Microseconds per unit of a JMH time unit such as "us/op" or "ns/op". */
    private static double micros(String unit) {
        return switch (unit.substring(0, unit.indexOf('/'))) {
            case "ns" -> 1e-3;
            case "us" -> 1;
            case "ms" -> 1e3;
            case "s" -> 1e6;
            default -> throw new IllegalArgumentException("unit " + unit);
        };
    }
}
