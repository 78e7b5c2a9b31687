"""Renders chat requests the way vLLM 0.34 does for /v1/chat/completions, for the router's conformance test.

Reads a JSON file of cases and prints, for each, the prompt text and its token ids:

    python chat_template_reference.py CASES.json > RESULTS.json

CASES.json: {"tokenizer_dir": DIR, "cases": [{"id", "template", "special_tokens", "messages",
"add_generation_prompt", "continue_final_message", "chat_template_kwargs", "tokenize"}]}.
RESULTS.json: [{"id", "text", "tokens", "error"}], "error" holding the template's exception when it raised.

The steps are vLLM's (vllm/renderers/chat_utils/chat_message.py and vllm/renderers/hf.py): a message's text parts
joined by newlines in the "string" content format; "developer" messages turned into one leading "system" message when
the template names no "developer" role (vLLM's own functions, imported); transformers' apply_chat_template with the
template given, the tokenizer's special tokens overridden by the case's; the text tokenized without special tokens
(ChatCompletionRequest.add_special_tokens defaults to False). Nothing here is shared with the Java side.
"""
import ast
import functools
import importlib.util
import json
import sys

from transformers import AutoTokenizer


def vllm_functions(module, names):
    """vLLM's own functions, taken from its source: importing vllm.renderers needs packages (openai) that the
    test environment leaves out, and these few are self-contained."""
    path = importlib.util.find_spec(module).origin
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    body = [node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name in names]
    missing = set(names) - {node.name for node in body}
    if missing:
        raise SystemExit(f"{path} no longer defines {missing}")
    for node in body:
        node.returns = None
        for arg in node.args.args:
            arg.annotation = None
    namespace = {"lru_cache": functools.lru_cache}
    exec(compile(ast.Module(body=body, type_ignores=[]), path, "exec"), namespace)
    return [namespace[n] for n in names]


_convert_developer_to_system, _consolidate_system_messages, _detect_developer_role_support = vllm_functions(
    "vllm.renderers.hf",
    ["_convert_developer_to_system", "_consolidate_system_messages", "_detect_developer_role_support"])


def conversation(messages):
    out = []
    for m in messages:
        content = m.get("content")
        if content is None:
            content = ""
        elif isinstance(content, list):
            content = "\n".join(p if isinstance(p, str) else p.get("text", "")
                                for p in content if isinstance(p, str) or p.get("type") == "text")
        msg = {"role": m["role"], "content": content}
        if m["role"] == "assistant" and m.get("tool_calls") is not None:
            msg["tool_calls"] = m["tool_calls"]
        if m["role"] == "assistant" and isinstance(m.get("reasoning"), str):
            msg["reasoning"] = m["reasoning"]
            msg["reasoning_content"] = m["reasoning"]
        if isinstance(m.get("name"), str):
            msg["name"] = m["name"]
        out.append(msg)
    return out


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    tokenizer = AutoTokenizer.from_pretrained(spec["tokenizer_dir"])
    results = []
    for case in spec["cases"]:
        chat = conversation(case["messages"])
        if any(m["role"] == "developer" for m in chat) and not _detect_developer_role_support(case["template"]):
            chat = _consolidate_system_messages(_convert_developer_to_system(chat))
        kwargs = dict(case.get("special_tokens") or {})
        kwargs.update(case.get("chat_template_kwargs") or {})
        result = {"id": case["id"], "text": None, "tokens": None, "error": None}
        try:
            text = tokenizer.apply_chat_template(
                chat, chat_template=case["template"], tokenize=False,
                add_generation_prompt=case.get("add_generation_prompt", True),
                continue_final_message=case.get("continue_final_message", False), **kwargs)
            result["text"] = text
            if case.get("tokenize"):
                result["tokens"] = tokenizer.encode(text, add_special_tokens=False)
        except Exception as e:  # the template raised: the Java side must fail too
            result["error"] = f"{type(e).__name__}: {e}"
        results.append(result)
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
