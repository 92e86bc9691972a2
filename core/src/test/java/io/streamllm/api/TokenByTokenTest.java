package io.streamllm.api;

import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** Walking a stream one token at a time: {@code append(int)} and {@code negativeLogLikelihood(int)}. */
class TokenByTokenTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();
    private static final int[] TEXT = model.tokenizer().encode("One day, a little girl named Lily found a needle.");

    @Test
    void stepsGiveTheNllsThatScoreGives() {
        List<Double> expected = new ArrayList<>();
        model.newSession(CachePolicy.sink(4, 8)).score(TEXT, expected::add);

        StreamingSession session = model.newSession(CachePolicy.sink(4, 8));
        session.append(TEXT[0]);
        List<Double> stepped = new ArrayList<>();
        for (int i = 1; i < TEXT.length; i++) {
            stepped.add(session.negativeLogLikelihood(TEXT[i]));
            session.append(TEXT[i]);
        }
        // Equal up to float rounding: the same kernels, but interpreted, C1- or C2-compiled reductions may sum their
        // lanes in another order (2.8e-6 nats apart once, in a JVM that had run other tests first).
        assertThat(stepped).hasSameSizeAs(expected);
        for (int i = 0; i < expected.size(); i++) {
            assertThat(stepped.get(i)).as("token %d", i + 1).isCloseTo(expected.get(i), within(1e-5));
        }
        assertThat(session.tokensSeen()).isEqualTo(TEXT.length);
        assertThat(session.stats().evictedTokens()).isEqualTo(TEXT.length - 12);
    }

    @Test
    void scoringDoesNotFeed() {
        StreamingSession session = model.newSession(CachePolicy.dense());
        session.append(TEXT[0]);
        double first = session.negativeLogLikelihood(TEXT[1]);
        assertThat(session.negativeLogLikelihood(TEXT[1])).isEqualTo(first);
        assertThat(session.tokensSeen()).isEqualTo(1);
        assertThat(first).isPositive();
    }

    @Test
    void nothingPredictsTheFirstTokenNorOneAfterARollback() {
        StreamingSession session = model.newSession(CachePolicy.dense());
        assertThatThrownBy(() -> session.negativeLogLikelihood(TEXT[0]))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("feed a token first");
        session.append(TEXT);
        assertThat(session.rollbackTo(2)).isTrue();
        assertThatThrownBy(() -> session.negativeLogLikelihood(TEXT[2])).isInstanceOf(InvalidSettingException.class);
        session.append(TEXT[2]);
        assertThat(session.negativeLogLikelihood(TEXT[3])).isPositive();
    }

    @Test
    void tokensOutsideTheVocabularyAreRefused() {
        StreamingSession session = model.newSession(CachePolicy.dense());
        int vocabulary = model.info().vocabularySize();
        assertThatThrownBy(() -> session.append(vocabulary)).isInstanceOf(InvalidSettingException.class)
                .hasMessageContaining("outside the vocabulary");
        assertThatThrownBy(() -> session.append(-1)).isInstanceOf(InvalidSettingException.class);
        session.append(TEXT[0]);
        assertThatThrownBy(() -> session.negativeLogLikelihood(vocabulary)).isInstanceOf(InvalidSettingException.class);
        assertThat(session.tokensSeen()).isEqualTo(1);
    }
}
