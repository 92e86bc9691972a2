package io.streamllm.eval;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class InstructionSetTest {

    @Test
    void readsTheFirstProcessorsFlags(@TempDir Path dir) throws IOException {
        Path cpuinfo = dir.resolve("cpuinfo");
        Files.writeString(cpuinfo, """
                processor\t: 0
                model name\t: Intel(R) Xeon(R) Platinum 8480+
                flags\t\t: fpu sse2 avx2 fma avx512f avx512bw avx512_vnni
                processor\t: 1
                flags\t\t: fpu sse2
                """);
        assertThat(InstructionSet.readCpuFlags(cpuinfo)).containsExactlyInAnyOrder("fpu", "sse2", "avx2", "fma", "avx512f",
                "avx512bw", "avx512_vnni");
        assertThat(InstructionSet.readCpuFlags(dir.resolve("missing"))).isEmpty();
    }

    @Test
    void labelsFollowTheSpeciesWidthTheJvmChose() {
        Set<String> avx512 = Set.of("sse2", "avx2", "fma", "avx512f", "avx512_vnni");
        assertThat(new InstructionSet(512, avx512).label()).isEqualTo("AVX-512 (512-bit)");
        // -XX:MaxVectorSize=32 on an AVX-512 machine: the kernels run 256-bit code.
        assertThat(new InstructionSet(256, avx512).label()).isEqualTo("AVX2 (256-bit)");
        assertThat(new InstructionSet(128, Set.of("asimd")).label()).isEqualTo("NEON (128-bit)");
        assertThat(new InstructionSet(256, avx512).flagSummary()).isEqualTo("avx2 fma avx512f avx512_vnni; no f16c avx_vnni avx512bw avx512_bf16 amx_int8");
        assertThat(new InstructionSet(128, Set.of()).flagSummary()).isEqualTo("cpu flags unknown");
    }

    @Test
    void cacheSizesAreReadAsSysfsWritesThem() {
        assertThat(MemoryBandwidth.parseCacheSize("32768K")).isEqualTo(32L << 20);
        assertThat(MemoryBandwidth.parseCacheSize("36M")).isEqualTo(36L << 20);
        assertThat(MemoryBandwidth.parseCacheSize("512")).isEqualTo(512);
        assertThat(MemoryBandwidth.defaultBufferBytes()).isBetween(512L << 20, 2L << 30);
    }
}
