package io.streamllm.chat;

import io.streamllm.api.Tokenizer;

/**
 * How a rendered chat was tokenized before message content was kept apart: the whole text in one piece,
 * every special token's text parsed, BOS first unless the template wrote it. For content without
 * special-token text the ids must stay exactly these.
 */
final class WholeTextEncoding {
    private WholeTextEncoding() {
    }

    static int[] encode(Tokenizer tokenizer, String rendered) {
        int bos = tokenizer.specials().bos();
        boolean templateWroteBos = bos >= 0 && !tokenizer.piece(bos).isEmpty() && rendered.startsWith(tokenizer.piece(bos));
        return tokenizer.encode(rendered, !templateWroteBos, true);
    }
}
