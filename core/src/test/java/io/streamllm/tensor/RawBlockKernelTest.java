package io.streamllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The sub-block types' kernels against their scalar twins on random raw blocks ({@link RawBlockCheck}). */
class RawBlockKernelTest {
    private static Parallel pool;

    @BeforeAll
    static void startPool() {
        pool = Parallel.create(3); // more threads than cores on purpose: exercises the hand-off
    }

    @AfterAll
    static void stopPool() {
        pool.close();
    }

    static Stream<Arguments> shapes() {
        List<Arguments> shapes = new ArrayList<>();
        for (RawBlockCheck.Layout layout : RawBlockCheck.LAYOUTS) {
            for (int cols : RawBlockCheck.colsFor(layout.type())) {
                for (int rows : RawBlockCheck.ROWS) {
                    shapes.add(Arguments.of(layout.type(), rows, cols));
                }
            }
        }
        return shapes.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2}")
    @MethodSource("shapes")
    void kernelsMatchScalarTwinOnRandomBlocks(GgmlType type, int rows, int cols) {
        RawBlockCheck.Layout layout = RawBlockCheck.layout(type);
        for (int batch : RawBlockCheck.BATCHES) {
            long seed = 31L * (31L * type.ordinal() + rows) + cols + 1000L * batch;
            assertThat(RawBlockCheck.check(layout, rows, cols, batch, seed, pool)).isEmpty();
        }
    }
}
