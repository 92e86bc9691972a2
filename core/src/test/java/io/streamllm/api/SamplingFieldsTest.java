package io.streamllm.api;

import io.streamllm.testing.SharedModel;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/**
 * Log-probabilities, logit bias, forks and n choices on the shipped model, each checked against another path
 * through the API: the scoring path's negative log-likelihoods, single generations with the choices' seeds.
 */
class SamplingFieldsTest {
    private static final StreamingModel model = SharedModel.streamingStories260K();
    private static final String PROMPT = "Once upon a time, there was a little";

    private static List<TokenLogprob> generate(StreamingSession session, String prompt, Sampling sampling) {
        List<TokenLogprob> tokens = new ArrayList<>();
        int[] promptTokens = model.tokenizer().encode(prompt, session.tokensSeen() == 0, false);
        session.generate(promptTokens, sampling, text -> { }, tokens::add, () -> false);
        return tokens;
    }

    @Test
    void logprobsAreTheScoringPathsLogSoftmaxWhateverTheTemperature() {
        for (Sampling sampling : List.of(Sampling.greedy(), Sampling.defaults().temperature(1.3f).seed(5))) {
            List<TokenLogprob> generated = generate(model.newSession(CachePolicy.sink(4, 60)), PROMPT,
                    sampling.maxTokens(40).logprobs(5));
            assertThat(generated).hasSize(40);

            StreamingSession scorer = model.newSession(CachePolicy.sink(4, 60));
            scorer.append(PROMPT);
            for (TokenLogprob token : generated) {
                // Within float noise: the scorer runs the same tokens in other batches.
                assertThat(token.logprob()).isCloseTo(-scorer.negativeLogLikelihood(token.token()), within(1e-5));
                List<TokenLogprob> top = token.alternatives();
                assertThat(top).hasSize(5);
                double mass = 0;
                for (int i = 0; i < top.size(); i++) {
                    assertThat(top.get(i).logprob())
                            .isCloseTo(-scorer.negativeLogLikelihood(top.get(i).token()), within(1e-5));
                    if (i > 0) {
                        assertThat(top.get(i).logprob()).isLessThanOrEqualTo(top.get(i - 1).logprob());
                    }
                    mass += Math.exp(top.get(i).logprob());
                }
                assertThat(mass).isLessThan(1);
                assertThat(token.logprob()).isLessThanOrEqualTo(top.getFirst().logprob());
                if (sampling.isGreedy()) {
                    assertThat(top.getFirst().token()).isEqualTo(token.token());
                }
                scorer.append(token.token());
            }
        }
    }

    @Test
    void logprobsOffReportNothingAndChangeNoText() {
        List<TokenLogprob> none = generate(model.newSession(CachePolicy.dense()), PROMPT, Sampling.greedy().maxTokens(10));
        assertThat(none).isEmpty();
        String plain = model.newSession(CachePolicy.dense()).generate(PROMPT, Sampling.greedy().maxTokens(10), t -> { }).text();
        StringBuilder withLogprobs = new StringBuilder();
        StreamingSession session = model.newSession(CachePolicy.dense());
        session.generate(model.tokenizer().encode(PROMPT), Sampling.greedy().maxTokens(10).logprobs(0),
                withLogprobs::append, t -> assertThat(t.alternatives()).isEmpty(), () -> false);
        assertThat(withLogprobs.toString()).isEqualTo(plain);
    }

    @Test
    void promptScoresAreTheScoringPathsAndListTheirAlternatives() {
        int[] tokens = model.tokenizer().encode(PROMPT);
        List<Double> nlls = new ArrayList<>();
        model.newSession(CachePolicy.dense()).score(tokens, nlls::add);
        List<TokenLogprob> scored = new ArrayList<>();
        int count = model.newSession(CachePolicy.dense()).scoreTokens(tokens, 3, scored::add);
        assertThat(count).isEqualTo(tokens.length - 1).isEqualTo(nlls.size());
        for (int i = 0; i < count; i++) {
            assertThat(scored.get(i).token()).isEqualTo(tokens[i + 1]);
            assertThat(scored.get(i).logprob()).isCloseTo(-nlls.get(i), within(1e-9));
            assertThat(scored.get(i).alternatives()).hasSize(3);
        }
    }

    @Test
    void biasOfHundredForcesATokenAndMinusHundredBansIt() {
        List<TokenLogprob> greedy = generate(model.newSession(CachePolicy.dense()), PROMPT, Sampling.greedy().maxTokens(20));
        assertThat(greedy).isEmpty(); // no logprobs asked: nothing reported
        List<TokenLogprob> plain = generate(model.newSession(CachePolicy.dense()), PROMPT,
                Sampling.greedy().maxTokens(20).logprobs(0));
        int first = plain.getFirst().token();

        // Banned: the greedy choice never appears, at any temperature.
        for (Sampling sampling : List.of(Sampling.greedy(), Sampling.defaults().temperature(1.5f).topK(0).topP(1f).minP(0f).seed(3))) {
            List<TokenLogprob> banned = generate(model.newSession(CachePolicy.dense()), PROMPT,
                    sampling.maxTokens(30).logprobs(0).logitBias(Map.of(first, -100f)));
            assertThat(banned).isNotEmpty().allSatisfy(t -> assertThat(t.token()).isNotEqualTo(first));
        }

        // Forced: a token the model finds unlikely here is picked every time.
        int forced = 300; // an ordinary merged piece of the 512-token vocabulary
        assertThat(forced).isNotIn(plain.stream().map(TokenLogprob::token).toList());
        for (Sampling sampling : List.of(Sampling.greedy(), Sampling.defaults().temperature(1f).seed(9))) {
            List<TokenLogprob> biased = generate(model.newSession(CachePolicy.dense()), PROMPT,
                    sampling.maxTokens(15).logprobs(0).logitBias(Map.of(forced, 100f)));
            assertThat(biased).hasSize(15).allSatisfy(t -> assertThat(t.token()).isEqualTo(forced));
            // The logprob reported is the model's own, not the biased one.
            assertThat(biased.getFirst().logprob()).isLessThanOrEqualTo(Math.log(0.5));
        }
    }

    @Test
    void biasIsChecked() {
        assertThatThrownBy(() -> Sampling.greedy().logitBias(Map.of(1, 101f))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("[-100, 100]");
        assertThatThrownBy(() -> Sampling.greedy().logitBias(Map.of(-1, 1f))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Sampling.greedy().logprobs(-2)).isInstanceOf(IllegalArgumentException.class);
        StreamingSession session = model.newSession(CachePolicy.dense());
        assertThatThrownBy(() -> session.generate("x", Sampling.greedy().logitBias(Map.of(512, 1f)), t -> { }))
                .isInstanceOf(InvalidSettingException.class).hasMessageContaining("512");
    }

    @Test
    void aForkGeneratesWhatTheOriginalWouldHave() {
        for (String policy : List.of("dense", "sink:4:40", "recompute:48")) {
            Sampling sampling = Sampling.defaults().seed(11).maxTokens(60).logprobs(0);
            StreamingSession original = model.newSession(CachePolicy.parse(policy));
            original.append(PROMPT);
            StreamingSession fork = original.fork();
            List<TokenLogprob> fromOriginal = new ArrayList<>();
            List<TokenLogprob> fromFork = new ArrayList<>();
            String originalText = original.generate(new int[0], sampling, t -> { }, fromOriginal::add, () -> false).text();
            String forkText = fork.generate(new int[0], sampling, t -> { }, fromFork::add, () -> false).text();
            assertThat(forkText).as(policy).isEqualTo(originalText).isNotEmpty();
            assertThat(fromFork).as(policy).isEqualTo(fromOriginal);
            assertThat(fork.tokensSeen()).isEqualTo(original.tokensSeen());

            // And both are what one session given the prompt generates.
            List<TokenLogprob> direct = generate(model.newSession(CachePolicy.parse(policy)), PROMPT, sampling);
            assertThat(direct.stream().map(TokenLogprob::token).toList()).as(policy)
                    .isEqualTo(fromOriginal.stream().map(TokenLogprob::token).toList());
        }
    }

    @Test
    void nChoicesAreTheSingleRepliesWithSeedsSeedToSeedPlusNMinusOne() {
        int[] prompt = model.tokenizer().encode(PROMPT);
        Sampling sampling = Sampling.defaults().seed(100).maxTokens(30).logprobs(2);
        Conversation conversation = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 100)));
        List<StringBuilder> texts = List.of(new StringBuilder(), new StringBuilder(), new StringBuilder());
        List<List<TokenLogprob>> tokens = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        List<Conversation.Turn> turns = conversation.reply(prompt, sampling, 3, new ChoiceListener() {
            @Override
            public void text(int choice, String text) {
                texts.get(choice).append(text);
            }

            @Override
            public void token(int choice, TokenLogprob token) {
                tokens.get(choice).add(token);
            }
        });
        assertThat(turns).hasSize(3);
        for (int i = 0; i < 3; i++) {
            Conversation single = model.newConversation(SessionOptions.of(CachePolicy.sink(4, 100)));
            Conversation.Turn turn = single.reply(prompt, sampling.seed(100 + i), t -> { }, () -> false);
            assertThat(texts.get(i).toString()).as("choice " + i).isEqualTo(turn.generation().text())
                    .isEqualTo(turns.get(i).generation().text());
            assertThat(tokens.get(i)).hasSize(turn.generation().generatedTokens());
            if (i == 0) {
                assertThat(conversation.history()).isEqualTo(single.history()); // choice 0 joins the history
            }
        }
        assertThat(texts.stream().map(StringBuilder::toString).distinct()).hasSizeGreaterThan(1);
        assertThatThrownBy(() -> conversation.reply(prompt, sampling, 0, (c, t) -> { }))
                .isInstanceOf(InvalidSettingException.class);
    }
}
