package io.streamllm.cli;

import io.streamllm.api.CacheStats;
import io.streamllm.api.KvType;
import picocli.CommandLine.Option;

/** --kv-type, shared by every command that builds a KV cache. */
final class KvTypeOption {
    @Option(names = "--kv-type", defaultValue = "f32", paramLabel = "TYPE",
            description = "how the KV cache stores keys and values: f32, f16 or q8_0 (half and about a"
                    + " quarter of f32's bytes; works with every cache policy, streaming included) (default: ${DEFAULT-VALUE})")
    String kvType;

    KvType type() {
        return KvType.parse(kvType);
    }

    /** "KV q8_0, 36.0 KiB/token": what the stats lines print. */
    static String describe(CacheStats cache) {
        return "KV " + cache.kvType() + ", " + Console.bytes(cache.bytesPerToken()) + "/token";
    }
}
