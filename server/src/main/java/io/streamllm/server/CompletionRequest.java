package io.streamllm.server;

import io.streamllm.api.OutputConstraint;
import io.streamllm.chat.ChatMessage;

import java.util.List;
import java.util.Map;

/**
 * A validated request to {@code /v1/chat/completions} or {@code /v1/completions}.
 *
 * @param messages     the conversation (chat), else null
 * @param prompt       the text to continue (completions), else null
 * @param maxTokens    tokens to generate at most, or null for the server's default
 * @param seed         sampling seed, or null for a random one
 * @param user         OpenAI's end-user id; names the session when no X-Session-Id header does
 * @param frequencyPenalty OpenAI's frequency_penalty (-2..2, 0 = off)
 * @param presencePenalty  OpenAI's presence_penalty (-2..2, 0 = off)
 * @param n                how many choices to answer with (1 or more)
 * @param logprobs         -1: no log-probabilities; k >= 0: each token's, with its k most likely alternatives
 *                         (chat: logprobs true and top_logprobs k; completions: logprobs k)
 * @param logitBias        OpenAI's logit_bias: token id to a bias in [-100, 100]
 * @param echo             completions: answer with the prompt before the completion
 * @param constraint       what the output must be (response_format json_object or json_schema), or null for text
 * @param tools            the functions offered and tool_choice ({@link ToolRequest#NONE}: none)
 */
public record CompletionRequest(Kind kind, String model, List<ChatMessage> messages, String prompt, Integer maxTokens,
                                float temperature, float topP, List<String> stop, Long seed, boolean stream,
                                boolean includeUsage, String user, float frequencyPenalty, float presencePenalty,
                                int n, int logprobs, Map<Integer, Float> logitBias, boolean echo,
                                OutputConstraint constraint, ToolRequest tools) {

    /** A request of one choice, without log-probabilities, logit bias, echo, response_format or tools. */
    public CompletionRequest(Kind kind, String model, List<ChatMessage> messages, String prompt, Integer maxTokens,
                             float temperature, float topP, List<String> stop, Long seed, boolean stream,
                             boolean includeUsage, String user, float frequencyPenalty, float presencePenalty) {
        this(kind, model, messages, prompt, maxTokens, temperature, topP, stop, seed, stream, includeUsage, user,
                frequencyPenalty, presencePenalty, 1, -1, Map.of(), false, null, ToolRequest.NONE);
    }

    /** A request without frequency or presence penalty. */
    public CompletionRequest(Kind kind, String model, List<ChatMessage> messages, String prompt, Integer maxTokens,
                             float temperature, float topP, List<String> stop, Long seed, boolean stream,
                             boolean includeUsage, String user) {
        this(kind, model, messages, prompt, maxTokens, temperature, topP, stop, seed, stream, includeUsage, user, 0f, 0f);
    }

    /** The two generation endpoints, with the object names OpenAI gives their answers. */
    public enum Kind {
        CHAT("/v1/chat/completions", "chatcmpl-", "chat.completion", "chat.completion.chunk"),
        COMPLETION("/v1/completions", "cmpl-", "text_completion", "text_completion");

        final String path;
        final String idPrefix;
        final String object;
        final String chunkObject;

        Kind(String path, String idPrefix, String object, String chunkObject) {
            this.path = path;
            this.idPrefix = idPrefix;
            this.object = object;
            this.chunkObject = chunkObject;
        }

        public String path() {
            return path;
        }
    }

    public CompletionRequest {
        messages = messages == null ? null : List.copyOf(messages);
        stop = List.copyOf(stop);
        logitBias = Map.copyOf(logitBias);
        tools = tools == null ? ToolRequest.NONE : tools;
    }

    /** Whether the answer carries log-probabilities. */
    public boolean wantsLogprobs() {
        return logprobs >= 0;
    }
}
