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
        System.out.println();
        System.out.printf("%-28s %-5s %-10s %7s %6s %12s %8s %9s%n",
                "benchmark", "type", "shape", "threads", "cold", "us/op", "GB/s", "GFLOP/s");
        for (RunResult result : results) {
            BenchmarkParams params = result.getParams();
            String name = params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.', params.getBenchmark().lastIndexOf('.') - 1) + 1);
            double micros = result.getPrimaryResult().getScore();
            String type = params.getParam("type");
            String shape = params.getParam("shape");
            String threads = params.getParam("threads");
            if (type == null || shape == null) {
                String extra = name.startsWith("BandwidthBenchmark")
                        ? String.format("%8.2f", BandwidthBenchmark.BYTES / micros / 1e3) : "";
                System.out.printf("%-28s %-5s %-10s %7s %6s %12.3f %8s%n", name, "", "", threads, "", micros, extra);
                continue;
            }
            String[] dims = shape.split("x");
            long rows = Long.parseLong(dims[0]);
            long cols = Long.parseLong(dims[1]);
            int batch = name.endsWith("matvec") ? 1 : 128;
            double bytes = GgmlType.valueOf(type).bytesFor(rows * cols);
            double flops = 2.0 * rows * cols * batch;
            System.out.printf("%-28s %-5s %-10s %7s %6s %12.1f %8.2f %9.2f%n", name, type, shape, threads,
                    params.getParam("coldCache"), micros, bytes / micros / 1e3, flops / micros / 1e3);
        }
    }
}
