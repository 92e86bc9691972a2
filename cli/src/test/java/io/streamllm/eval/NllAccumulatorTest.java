package io.streamllm.eval;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

class NllAccumulatorTest {

    @Test
    void splitsTheStreamIntoSegmentsWithCumulativeMeans() {
        NllAccumulator nll = new NllAccumulator(3);
        for (double v : new double[] {1, 2, 3, 4, 5, 6, 7, 8}) {
            nll.add(v);
        }
        assertThat(nll.count()).isEqualTo(8);
        assertThat(nll.mean()).isCloseTo(4.5, within(1e-12));
        assertThat(nll.segments()).containsExactly(
                new Segment(0, 3, 2.0, 2.0),
                new Segment(3, 6, 5.0, 3.5),
                new Segment(6, 8, 7.5, 4.5));
    }

    @Test
    void aStreamOfWholeSegmentsHasNoEmptyTail() {
        NllAccumulator nll = new NllAccumulator(2);
        nll.add(1);
        nll.add(3);
        assertThat(nll.segments()).containsExactly(new Segment(0, 2, 2.0, 2.0));
        assertThat(nll.segments().getFirst().perplexity()).isCloseTo(Math.exp(2), within(1e-12));
    }

    @Test
    void rejectsSegmentsOfNoTokens() {
        assertThatThrownBy(() -> new NllAccumulator(0)).isInstanceOf(IllegalArgumentException.class);
    }
}
