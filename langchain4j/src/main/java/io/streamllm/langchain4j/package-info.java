/**
 * streamllm as an in-process LangChain4j model: {@link io.streamllm.langchain4j.StreamllmChatModel} and
 * {@link io.streamllm.langchain4j.StreamllmStreamingChatModel}, with one session per chat memory id on request.
 */
package io.streamllm.langchain4j;
