import json
# Usage: python3 make-hf-toy-tokenizers.py (from this directory; see README.md)
R = "./"

def byte_chars():
    printable = lambda b: 0x21 <= b <= 0x7E or 0xA1 <= b <= 0xAC or 0xAE <= b <= 0xFF
    out, n = [], 0
    for b in range(256):
        if printable(b): out.append(chr(b))
        else: out.append(chr(0x100 + n)); n += 1
    return out

# Byte-level BPE the way Llama 3's tokenizer.json is written.
chars = byte_chars()
vocab = {c: i for i, c in enumerate(chars)}
merges = [["3", "4"], ["1", "2"], ["12", "3"], ["Ġ", "t"], ["h", "e"], ["Ġt", "he"], ["t", "'"], ["'", "s"],
          ["Ġ", "Ġ"], ["Ċ", "Ċ"], ["!", "!"], ["i", "t"], ["Ã", "©"], ["h", "Ã©"], ["l", "l"], ["H", "e"], ["He", "ll"], ["Hell", "o"]]
for a, b in merges:
    vocab.setdefault(a + b, len(vocab))
vocab["Ġzebra"] = len(vocab)  # reachable by no merge: only ignore_merges finds it
added = [("<|begin_of_text|>", True), ("<|eot_id|>", True), ("<tool>", False)]
added_tokens = []
for content, special in added:
    added_tokens.append({"id": len(vocab) + len(added_tokens), "content": content, "single_word": False, "lstrip": False,
                         "rstrip": False, "normalized": False, "special": special})
llama3_regex = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
byte_level = {
    "version": "1.0", "truncation": None, "padding": None, "added_tokens": added_tokens, "normalizer": None,
    "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
        {"type": "Split", "pattern": {"Regex": llama3_regex}, "behavior": "Isolated", "invert": False},
        {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False}]},
    "post_processor": {"type": "Sequence", "processors": [
        {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
        {"type": "TemplateProcessing",
         "single": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
         "pair": [{"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                  {"SpecialToken": {"id": "<|begin_of_text|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
         "special_tokens": {"<|begin_of_text|>": {"id": "<|begin_of_text|>", "ids": [added_tokens[0]["id"]], "tokens": ["<|begin_of_text|>"]}}}]},
    "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
    "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None, "end_of_word_suffix": None,
              "fuse_unk": False, "byte_fallback": False, "ignore_merges": True, "vocab": vocab, "merges": merges}}
json.dump(byte_level, open(R + "hf-byte-level/tokenizer.json", "w"), ensure_ascii=False, indent=1)

# SentencePiece-like BPE with byte fallback and a Metaspace pre-tokenizer (Mistral / Llama 2 "legacy": false style).
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    vocab["<0x%02X>" % b] = len(vocab)
for c in "▁abcdefghijklmnopqrstuvwxyzTHOéö.,!'":
    vocab.setdefault(c, len(vocab))
merges = ["▁ t", "h e", "▁t he", "▁ a", "o n", "▁ o", "▁o n", "c e", "▁ w", "o r", "l d", "▁w or", "▁wor ld", "i n", "▁ in"]
for m in merges:
    a, b = m.split(" ")
    vocab.setdefault(a + b, len(vocab))
metaspace = {
    "version": "1.0", "truncation": None, "padding": None,
    "added_tokens": [{"id": i, "content": c, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                     for i, c in enumerate(["<unk>", "<s>", "</s>"])],
    "normalizer": None,
    "pre_tokenizer": {"type": "Metaspace", "replacement": "▁", "prepend_scheme": "first", "split": False},
    "post_processor": {"type": "TemplateProcessing",
                       "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
                       "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                                {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
                       "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
    "decoder": {"type": "Sequence", "decoders": [
        {"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"},
        {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
    "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
              "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": vocab, "merges": merges}}
json.dump(metaspace, open(R + "hf-metaspace/tokenizer.json", "w"), ensure_ascii=False, indent=1)
