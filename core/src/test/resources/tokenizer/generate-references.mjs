import {getLlama} from "node-llama-cpp";
import tk from "@anush008/tokenizers";
import fs from "fs";
// Usage: node generate-references.mjs REPOSITORY_ROOT TOY_GGUF_DIRECTORY (see README.md)
const root = process.argv[2];
const toys = process.argv[3];
const out = root + "/core/src/test/resources/tokenizer/";
const llama = await getLlama({gpu: false, build: "never", logLevel: "error"});

const commonTexts = [
  "", " ", "Hello world", "  two leading spaces", "trailing spaces   ", "a  b   c    d",
  "line one\nline two\n\nline four\r\nwindows\ttab",
  "héllo wörld ÄÖÜ ñ façade", "emoji 😀😀 ok 👍🏽 🎉", "中文字符 日本語 한국어", "Ελληνικά русский",
  "don't we'll they've I'd you're I'm IT'S", "numbers 1 12 123 1234 12345 3.14159 -42 1,000,000",
  "Hello!!! What?! (parens) [brackets] {braces} <angle> \"quotes\" 'single'",
  "Once upon a time, there was a little girl named Lily. She loved to play outside.",
];

// llama.cpp: stories260K
{
  const model = await llama.loadModel({modelPath: root + "/models/stories260K/stories260K.gguf", vocabOnly: true});
  const texts = [...commonTexts, "<s>Hello</s> world", "x</s>y <unk> z"];
  const cases = texts.map(text => ({
    text,
    ids: Array.from(model.tokenize(text, false)),
    ids_parse_special: Array.from(model.tokenize(text, true)),
  }));
  fs.writeFileSync(out + "stories260K-llamacpp-more.json", JSON.stringify({cases}, null, 1) + "\n");
  await model.dispose();
}

// llama.cpp: the toy byte-level vocabulary with three pre-tokenizers
{
  const texts = [...commonTexts, "it's 12345 the", "1234 12 123456789", "Hello world!!! Hello!!\n\nthe  the   the",
    "x<|eot_id|>y <tool> z<|begin_of_text|>", "!\n!!\n\n end", "a\u00a0b\u2003c"];
  const result = {};
  for (const pre of ["llama-bpe", "qwen2", "gpt-2"]) {
    const model = await llama.loadModel({modelPath: `${toys}/toy-${pre}.gguf`, vocabOnly: true});
    result[pre] = texts.map(text => ({
      text,
      ids: Array.from(model.tokenize(text, false)),
      ids_parse_special: Array.from(model.tokenize(text, true)),
    }));
    await model.dispose();
  }
  fs.writeFileSync(out + "toy-byte-level-llamacpp.json", JSON.stringify(result, null, 1) + "\n");
}

// Hugging Face tokenizers: tinystories-656k
{
  const t = tk.Tokenizer.fromFile(root + "/models/tinystories-656k/tokenizer.json");
  const texts = [...commonTexts, "Hello <|end_story|> World", "Hello<|end_story|>World", "<|end_story|>x",
    "The end.<|end_story|> <|start_story|>Once", "<unk> is unknown"];
  const cases = [];
  for (const text of texts) {
    const e = await t.encode(text, null, {addSpecialTokens: true});
    const ids = e.getIds();
    cases.push({text, ids, decoded: await t.decode(ids, true)});
  }
  const ref = JSON.parse(fs.readFileSync(root + "/reference/tinystories-656k-stream-seed0.json"));
  const greedy = ref.greedy_from_bos_64;
  const stream = ref.tokens;
  fs.writeFileSync(out + "tinystories-656k-hf-tokenizers.json", JSON.stringify({
    cases,
    greedy_from_bos_64_decoded: await t.decode(greedy, true),
    stream_tokens_decoded: await t.decode(stream, true),
    greedy_reencoded: (await t.encode(await t.decode(greedy, true), null, {addSpecialTokens: false})).getIds(),
  }, null, 1) + "\n");
}
process.exit(0);
