import tk from "@anush008/tokenizers";
import fs from "fs";
// Usage: node generate-hf-toy-references.mjs (from this directory; see README.md)
const R = "./";
const texts = {
  "hf-byte-level": ["it's 12345 the", "IT'S Hello!!\n\nthe  the   the", "héllo zebra", " zebra", "zebra", "x<|eot_id|>y <tool> z",
                    "emoji 😀 ok", "1234 12 123456789", "", "  two spaces", "tabs\tand\r\nnewlines"],
  "hf-metaspace": ["the world on ice", "Hello world", "héllo wörld", "😀 ok 日本", "x</s>y <s> z", "  two  spaces ", "", "THE END."],
};
for (const [dir, list] of Object.entries(texts)) {
  const t = tk.Tokenizer.fromFile(R + dir + "/tokenizer.json");
  const cases = [];
  for (const text of list) {
    const e = await t.encode(text, null, {addSpecialTokens: true});
    const ids = e.getIds();
    cases.push({text, ids, tokens: e.getTokens(), decoded: await t.decode(ids, true)});
  }
  fs.writeFileSync(R + dir + "/expected-hf-tokenizers.json", JSON.stringify({cases}, null, 1) + "\n");
}
