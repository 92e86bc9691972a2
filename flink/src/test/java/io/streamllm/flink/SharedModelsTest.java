package io.streamllm.flink;

import io.streamllm.api.StreamingModel;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** One model per path and JVM, whatever the number of operator instances, closed by the last of them. */
class SharedModelsTest {

    @Test
    void operatorInstancesOfOneJvmShareOneModelUntilTheLastReleasesIt() {
        Path model = FlinkRuns.stories260K();
        Path sameFile = model.getParent().resolve("../stories260K/stories260K.gguf");

        StreamingModel first = SharedModels.acquire(model, 1);
        StreamingModel second = SharedModels.acquire(sameFile, 1);
        assertThat(second).isSameAs(first);
        assertThat(SharedModels.users(model)).isEqualTo(2);

        SharedModels.release(model);
        assertThat(SharedModels.users(model)).isEqualTo(1);
        assertThat(first.tokenizer().encode("still open", true, false)).isNotEmpty();
        SharedModels.release(sameFile);
        assertThat(SharedModels.users(model)).isZero();

        StreamingModel reloaded = SharedModels.acquire(model, 1);
        assertThat(reloaded).isNotSameAs(first);
        SharedModels.release(model);
    }
}
