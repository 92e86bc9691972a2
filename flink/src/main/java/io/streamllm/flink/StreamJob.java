package io.streamllm.flink;

import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.serialization.SimpleStringEncoder;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.connector.file.src.FileSource;
import org.apache.flink.core.fs.Path;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

import java.io.File;

/**
 * The streaming-perplexity job: records from a file, keyed by their key, scored (and continued on request) by
 * {@link KeyedScorer}, one JSON line per record to a file sink or stdout. {@link #main} is what {@code flink run}
 * launches from the job jar; the CLI's {@code streamllm stream} builds the same job on an embedded mini-cluster.
 */
public final class StreamJob {

    private StreamJob() {
    }

    /**
     * Runs the job on the environment Flink provides: the cluster under {@code flink run}, else a local one.
     *
     * @param args see {@link StreamJobSettings#USAGE}
     * @throws Exception when the job fails
     */
    public static void main(String[] args) throws Exception {
        StreamJobSettings settings;
        try {
            settings = StreamJobSettings.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("streamjob: " + e.getMessage());
            System.exit(2);
            return;
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(configuration(settings));
        build(env, settings);
        env.execute("streamllm stream " + new File(settings.input()).getName());
    }

    /**
     * The Flink configuration the settings ask for: checkpointing, its directory, the state backend, and a restart
     * strategy that retries a failed task from the last checkpoint.
     *
     * @param settings the job's settings
     * @return the configuration to create the environment with
     */
    public static Configuration configuration(StreamJobSettings settings) {
        Configuration config = new Configuration();
        config.setString("state.backend.type", settings.stateBackend());
        if (settings.checkpointDir() != null) {
            config.setString("execution.checkpointing.interval", settings.checkpointInterval() + " ms");
            config.setString("execution.checkpointing.dir", uri(settings.checkpointDir()));
            config.setString("execution.checkpointing.mode", "EXACTLY_ONCE");
            config.setString("restart-strategy.type", "fixed-delay");
            config.setString("restart-strategy.fixed-delay.attempts", "20");
            config.setString("restart-strategy.fixed-delay.delay", "1 s");
        }
        return config;
    }

    /**
     * Adds the job's source, keyed operator and sink to {@code env}.
     *
     * @param env      the environment to build on
     * @param settings the job's settings
     * @return the output lines, already sent to their sink
     */
    public static DataStream<String> build(StreamExecutionEnvironment env, StreamJobSettings settings) {
        env.setParallelism(settings.parallelism());
        FileSource<Event> source = FileSource
                .forRecordStreamFormat(new EventLineFormat(), new Path(uri(settings.input())))
                .build();
        DataStream<String> lines = env
                .fromSource(source, WatermarkStrategy.noWatermarks(), "records")
                .setParallelism(1) // one file, read in order: its line numbers are its records' ids
                .keyBy(Event::key)
                .process(new KeyedScorer(settings.scorer()))
                .name("streamllm keyed scorer")
                .uid("streamllm-keyed-scorer");
        if (settings.output() != null) {
            lines.sinkTo(FileSink.forRowFormat(new Path(uri(settings.output())), new SimpleStringEncoder<String>("UTF-8"))
                    .build()).name("json lines to files").uid("streamllm-file-sink");
        } else {
            lines.sinkTo(new StdoutSink()).name("json lines to stdout").uid("streamllm-stdout-sink");
        }
        return lines;
    }

    /** A local path as a file URI; a URI (hdfs://, s3://, file:) as it is. */
    private static String uri(String path) {
        return path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") ? path : new File(path).getAbsoluteFile().toURI().toString();
    }
}
