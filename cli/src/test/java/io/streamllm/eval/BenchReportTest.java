package io.streamllm.eval;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** The three output formats of {@code streamllm bench}, read back as a script would read llama-bench's. */
class BenchReportTest {
    private static final InstructionSet AVX2 = new InstructionSet(256, Set.of("sse2", "avx2", "fma"));
    private static final long GIB = 1L << 30;

    /** 100 tokens in 1 s and in 2 s: 100 and 50 tok/s. */
    private static BenchRun decode() {
        return new BenchRun("/m/llama-1b.gguf", "llama 1.24 B Q4_0", 700_000_000L, 1_240_000_000L, 2, 0, 100,
                "2026-12-01T00:00:00Z", new long[] {1_000_000_000L, 2_000_000_000L}, "AMD EPYC", AVX2, 100e9, GIB, "q8_0");
    }

    /** 512 tokens in 4 s: 128 tok/s. */
    private static BenchRun prefill() {
        return new BenchRun("/m/llama-1b.gguf", "llama 1.24 B Q4_0", 700_000_000L, 1_240_000_000L, 2, 512, 0,
                "2026-12-01T00:00:00Z", new long[] {4_000_000_000L}, "AMD EPYC", AVX2, 100e9, GIB, "f32");
    }

    @Test
    void tokensPerSecondAreAveragedPerSampleAsLlamaBenchDoes() {
        BenchRun run = decode();
        assertThat(run.samplesTs()).containsExactly(100.0, 50.0);
        assertThat(run.avgTs()).isEqualTo(75.0);
        assertThat(run.stddevTs()).isCloseTo(Math.sqrt(2 * 25.0 * 25.0), within(1e-9));
        assertThat(run.avgNs()).isEqualTo(1_500_000_000L);
        assertThat(run.testName()).isEqualTo("tg100");
        assertThat(prefill().testName()).isEqualTo("pp512");
    }

    @Test
    void decodeEfficiencyIsWeightBytesTimesTokensPerSecondOverBandwidth() {
        assertThat(decode().decodeEfficiency()).isCloseTo(GIB * 75.0 / 100e9, within(1e-12));
        assertThat(prefill().decodeEfficiency()).isNaN();
    }

    @Test
    void jsonIsAListOfRunsWithLlamaBenchFields() throws Exception {
        JsonNode runs = new ObjectMapper().readTree(BenchReport.format(BenchReport.Format.json, List.of(prefill(), decode())));

        assertThat(runs.isArray()).isTrue();
        assertThat(runs.size()).isEqualTo(2);
        JsonNode pp = runs.get(0);
        JsonNode tg = runs.get(1);
        assertThat(pp.get("n_prompt").asInt()).isEqualTo(512);
        assertThat(pp.get("n_gen").asInt()).isZero();
        assertThat(tg.get("n_prompt").asInt()).isZero();
        assertThat(tg.get("n_gen").asInt()).isEqualTo(100);
        assertThat(tg.get("n_threads").isInt()).isTrue();
        assertThat(tg.get("n_threads").asInt()).isEqualTo(2);
        assertThat(tg.get("avg_ts").isDouble()).isTrue();
        assertThat(tg.get("avg_ts").asDouble()).isEqualTo(75.0);
        assertThat(tg.get("stddev_ts").asDouble()).isCloseTo(35.3553, within(1e-4));
        assertThat(tg.get("model_type").asText()).isEqualTo("llama 1.24 B Q4_0");
        assertThat(tg.get("model_size").asLong()).isEqualTo(700_000_000L);
        assertThat(tg.get("model_n_params").asLong()).isEqualTo(1_240_000_000L);
        assertThat(tg.get("use_mmap").isBoolean()).isTrue();
        assertThat(tg.get("samples_ns").size()).isEqualTo(2);
        assertThat(tg.get("samples_ts").get(1).asDouble()).isEqualTo(50.0);
        assertThat(tg.get("instruction_set").asText()).isEqualTo("AVX2 (256-bit)");
        assertThat(tg.get("bandwidth_gbs").asDouble()).isEqualTo(100.0);
        assertThat(tg.get("decode_efficiency").asDouble()).isCloseTo(GIB * 75.0 / 100e9, within(1e-12));
        assertThat(pp.get("decode_efficiency").isNull()).isTrue();
        assertThat(pp.get("type_k").asText()).isEqualTo("f32");
        assertThat(tg.get("type_k").asText()).isEqualTo("q8_0");
        assertThat(tg.get("type_v").asText()).isEqualTo("q8_0");
    }

    @Test
    void csvHasOneHeaderAndQuotedRowsOfTheSameFields() {
        List<String> lines = BenchReport.format(BenchReport.Format.csv, List.of(prefill(), decode())).lines().toList();

        assertThat(lines).hasSize(3);
        List<String> header = Arrays.asList(lines.get(0).split(","));
        assertThat(header).startsWith("build_commit", "build_number", "cpu_info")
                .contains("model_type", "model_size", "n_prompt", "n_gen", "n_threads", "avg_ts", "stddev_ts")
                .doesNotContain("samples_ns");
        List<String> decodeRow = Arrays.asList(lines.get(2).split(","));
        assertThat(decodeRow).hasSameSizeAs(header).allMatch(cell -> cell.startsWith("\"") && cell.endsWith("\""));
        assertThat(decodeRow.get(header.indexOf("n_gen"))).isEqualTo("\"100\"");
        assertThat(decodeRow.get(header.indexOf("avg_ts"))).isEqualTo("\"75.000000\"");
        assertThat(Arrays.asList(lines.get(1).split(",")).get(header.indexOf("decode_efficiency"))).isEqualTo("\"\"");
    }

    @Test
    void markdownShowsEfficiencyBesideDecodeAndNamesTheInstructionSet() {
        String md = BenchReport.format(BenchReport.Format.md, List.of(prefill(), decode()));

        assertThat(md).contains("| llama 1.24 B Q4_0 | 667.57 MiB | 1.24 B | Java AVX2 (256-bit) | 2 | f32 | pp512 | 128.00 ± 0.00 |  |")
                .contains("| q8_0 | tg100 | 75.00 ± 35.36 | 81% |")
                .contains("read bandwidth 100.0 GB/s with 2 threads; 1.00 GiB of weights read per decoded token")
                .contains("instruction set: AVX2 (256-bit), cpu: avx2 fma; no f16c avx_vnni avx512f");
        assertThat(BenchReport.format(BenchReport.Format.md, List.of(prefill()))).as("the default KV type has no column")
                .doesNotContain("type_k").contains("| 2 | pp512 |");
    }
}
