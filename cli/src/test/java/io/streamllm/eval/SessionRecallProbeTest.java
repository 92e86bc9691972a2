package io.streamllm.eval;

import io.streamllm.api.CachePolicy;
import io.streamllm.api.SessionOptions;
import io.streamllm.api.StreamingModel;
import io.streamllm.api.StreamingSession;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Queries on the shipped model are asked on a branch: the stream after them is the stream without them. */
class SessionRecallProbeTest {

    private static double nllAfterFourLines(StreamingModel model, CachePolicy policy, boolean askOnTheWay) {
        RegisterLines lines = new RegisterLines(4, 2);
        SessionRecallProbe probe = new SessionRecallProbe(model, SessionOptions.of(policy));
        for (int line = 1; line <= 4; line++) {
            probe.append(lines.text(line));
            if (askOnTheWay) {
                probe.complete(RegisterLines.prefix(line), 8);
                probe.negativeLogLikelihood(RegisterLines.prefix(line), "12345");
            }
        }
        return probe.negativeLogLikelihood(RegisterLines.prefix(2), lines.content(2));
    }

    @Test
    void queriesLeaveNoTraceInTheStreamEvenWhenTheyWouldEvict() {
        try (StreamingModel model = StreamingModel.load(TestData.stories260K())) {
            for (CachePolicy policy : new CachePolicy[] {CachePolicy.dense(), CachePolicy.window(48),
                    CachePolicy.sink(4, 44), CachePolicy.recompute(48)}) {
                double clean = nllAfterFourLines(model, policy, false);
                assertThat(clean).as(policy.spec()).isPositive().isFinite();
                // Equal up to the float rounding of a restored cache; a query left in the stream moves it by nats.
                assertThat(nllAfterFourLines(model, policy, true)).as(policy.spec())
                        .isCloseTo(clean, within(1e-4));
            }
        }
    }

    @Test
    void theNllOfANumberIsTheSumOverItsTokensAfterThePrompt() {
        try (StreamingModel model = StreamingModel.load(TestData.stories260K())) {
            String stream = new RegisterLines(1, 4).text(1);
            SessionRecallProbe probe = new SessionRecallProbe(model, SessionOptions.of(CachePolicy.dense()));
            probe.append(stream);
            double nll = probe.negativeLogLikelihood(RegisterLines.prefix(1), "48213");

            StreamingSession session = model.newSession(CachePolicy.dense());
            session.append(stream);
            session.append(model.tokenizer().encode(RegisterLines.prefix(1), false, false));
            double expected = 0;
            // On this tokenizer the prompt's encoding is a prefix of the joint one: the digits are what follows it.
            int[] digits = tail(model.tokenizer().encode(RegisterLines.prefix(1) + "48213", false, false),
                    model.tokenizer().encode(RegisterLines.prefix(1), false, false).length);
            for (int token : digits) {
                expected += session.negativeLogLikelihood(token);
                session.append(token);
            }
            assertThat(digits).isNotEmpty();
            assertThat(nll).isCloseTo(expected, within(1e-6));
        }
    }

    private static int[] tail(int[] tokens, int from) {
        return Arrays.copyOfRange(tokens, from, tokens.length);
    }
}
