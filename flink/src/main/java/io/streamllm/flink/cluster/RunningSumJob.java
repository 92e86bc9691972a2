package io.streamllm.flink.cluster;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.connector.file.src.reader.TextLineInputFormat;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.filesystem.rollingpolicies.OnCheckpointRollingPolicy;
import org.apache.flink.util.Collector;

/**
 * A small stateful job over {@code key<TAB>text} lines, used to exercise the standalone cluster and its recovery:
 * per key it counts the events and keeps a running sum of the text's UTF-8 bytes, and writes one line per event,
 * {@code key<TAB>index<TAB>bytes<TAB>runningSum}. The output goes through a {@link FileSink} whose part files are
 * committed only by a completed checkpoint, so a restart from that checkpoint neither loses nor repeats a line.
 *
 * <p>Arguments: {@code --input FILE --output DIR [--parallelism N] [--checkpoint-ms MS] [--delay-ms MS]};
 * {@code --delay-ms} slows the source down so that a test can fail a process in the middle of the stream.
 */
public final class RunningSumJob {

    private RunningSumJob() {
    }

    /**
     * Builds and runs the job.
     *
     * @param args the arguments described on the class
     * @throws Exception when the job fails
     */
    public static void main(String[] args) throws Exception {
        Map<String, String> options = parse(args);
        String input = required(options, "input");
        String output = required(options, "output");
        int parallelism = Integer.parseInt(options.getOrDefault("parallelism", "2"));
        long checkpointMs = Long.parseLong(options.getOrDefault("checkpoint-ms", "500"));
        long delayMs = Long.parseLong(options.getOrDefault("delay-ms", "0"));

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        env.enableCheckpointing(checkpointMs);

        FileSource<String> source = FileSource
                .forRecordStreamFormat(new TextLineInputFormat(), new Path(input))
                .build();
        FileSink<String> sink = FileSink
                .forRowFormat(new Path(output), new SimpleStringEncoder<String>("UTF-8"))
                .withRollingPolicy(OnCheckpointRollingPolicy.build())
                .build();

        env.fromSource(source, WatermarkStrategy.noWatermarks(), "lines")
                .setParallelism(1)
                .map(line -> {
                    // Pacing at the source keeps the operators' input queues short, so checkpoint barriers stay prompt.
                    if (delayMs > 0) {
                        Thread.sleep(delayMs);
                    }
                    int tab = line.indexOf('\t');
                    return tab < 0 ? Tuple2.of(line, "") : Tuple2.of(line.substring(0, tab), line.substring(tab + 1));
                })
                .returns(Types.TUPLE(Types.STRING, Types.STRING))
                .setParallelism(1)
                .keyBy(record -> record.f0)
                .process(new RunningSum())
                .sinkTo(sink);
        env.execute("streamllm running-sum stand-in");
    }

    /** The keyed state: the number of events seen and the running byte sum. */
    static final class RunningSum extends KeyedProcessFunction<String, Tuple2<String, String>, String> {
        private transient ValueState<Long> count;
        private transient ValueState<Long> sum;

        @Override
        public void open(OpenContext context) {
            count = getRuntimeContext().getState(new ValueStateDescriptor<>("count", Types.LONG));
            sum = getRuntimeContext().getState(new ValueStateDescriptor<>("sum", Types.LONG));
        }

        @Override
        public void processElement(Tuple2<String, String> record, Context context, Collector<String> out)
                throws Exception {
            long index = count.value() == null ? 0 : count.value();
            long bytes = record.f1.getBytes(StandardCharsets.UTF_8).length;
            long total = (sum.value() == null ? 0 : sum.value()) + bytes;
            count.update(index + 1);
            sum.update(total);
            out.collect(record.f0 + "\t" + index + "\t" + bytes + "\t" + total);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got: " + String.join(" ", args));
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }

    private static String required(Map<String, String> options, String name) {
        String value = options.get(name);
        if (value == null) {
            throw new IllegalArgumentException("missing --" + name);
        }
        return value;
    }
}
