# Sourced by the launchers: sets the array STREAMLLM_JVM_OPTIONS, the JVM options streamllm runs with.
#
# Heap: G1 sizes the heap by how much GC time it costs, so a run with a small live set stays small
# whatever it allocates (ParallelGC grew the heap towards its maximum under a steady allocation rate:
# perplexity over the KJV went from 0.63 to 2.28 GB), and G1PeriodicGCInterval hands memory freed
# after a burst (a server's sessions) back to the OS once the JVM has been idle for a minute. The
# bound, half of RAM, is room for KV caches, which live on the heap (a sink cache of a Llama-3.2-1B
# holds 64 KiB per token, 256 MiB for 4,096 tokens; an 8B model 128 KiB per token), while the
# weights are mapped files outside it, in the other half, as the page cache.
#
# STREAMLLM_JAVA_OPTS come last, so that a user's -Xmx wins; a user's own -XX:+Use...GC replaces G1.
STREAMLLM_JVM_OPTIONS=(--add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Xss4m
                       -XX:MaxRAMPercentage=50)
case " ${STREAMLLM_JAVA_OPTS:-} " in
  *" -XX:+Use"*"GC "*) ;;
  *) STREAMLLM_JVM_OPTIONS+=(-XX:+UseG1GC -XX:G1PeriodicGCInterval=60000) ;;
esac
# Word splitting on purpose: STREAMLLM_JAVA_OPTS holds several options.
# shellcheck disable=SC2206
STREAMLLM_JVM_OPTIONS+=(${STREAMLLM_JAVA_OPTS:-})
