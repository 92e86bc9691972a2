#!/usr/bin/env python3
"""Renders every template in templates/ for every conversation in cases.json with Python's reference
jinja2, set up the way Hugging Face transformers renders chat templates, and writes expected.json.

Run from this directory after changing a template or a case:  python3 generate_expected.py
JinjaChatTemplateTest compares the Java rendering (Jinjava) with this file.
"""
import datetime
import json
import pathlib

import jinja2
import jinja2.ext
import jinja2.sandbox

HERE = pathlib.Path(__file__).parent


class TemplateRaised(Exception):
    pass


def environment(now):
    # As transformers' chat template compilation: sandboxed, trim_blocks and lstrip_blocks,
    # loop controls, raise_exception, strftime_now and a json.dumps-based tojson.
    env = jinja2.sandbox.ImmutableSandboxedEnvironment(
        trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])

    def raise_exception(message):
        raise TemplateRaised(message)

    def tojson(value, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
        return json.dumps(value, ensure_ascii=ensure_ascii, indent=indent, separators=separators,
                          sort_keys=sort_keys)

    env.filters["tojson"] = tojson
    env.globals["raise_exception"] = raise_exception
    env.globals["strftime_now"] = lambda fmt: now.strftime(fmt)
    return env


def main():
    cases = json.loads((HERE / "cases.json").read_text(encoding="utf-8"))
    env = environment(datetime.datetime.fromisoformat(cases["now"]))
    results = []
    for name, tokens in cases["templates"].items():
        template = env.from_string((HERE / "templates" / (name + ".jinja")).read_text(encoding="utf-8"))
        for conversation, messages in cases["conversations"].items():
            for generation_prompt in (True, False):
                result = {"template": name, "conversation": conversation,
                          "add_generation_prompt": generation_prompt}
                try:
                    result["text"] = template.render(messages=messages, add_generation_prompt=generation_prompt,
                                                     **tokens)
                except TemplateRaised as e:
                    result["error"] = str(e)
                results.append(result)
    out = HERE / "expected.json"
    out.write_text(json.dumps({"jinja2_version": jinja2.__version__, "results": results}, ensure_ascii=False,
                              indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(results)} renderings to {out}")


if __name__ == "__main__":
    main()
