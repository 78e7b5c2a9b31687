"""Renders chat requests the way vLLM 0.34 does for /v1/chat/completions, for the router's conformance test.

Reads a JSON file of cases and prints, for each, the prompt text and its token ids:

    python chat_template_reference.py CASES.json > RESULTS.json

CASES.json: {"tokenizer_dir": DIR, "today": "YYYY-MM-DD", "cases": [{"id", "template", "special_tokens",
"messages", "add_generation_prompt", "continue_final_message", "chat_template_kwargs", "tokenize"}]}.
RESULTS.json: [{"id", "text", "tokens", "error", "content_format"}], "error" holding the template's exception when it
raised.

The steps are vLLM's (vllm/renderers/chat_utils/chat_message.py and vllm/renderers/hf.py, whose functions are
imported): the template's content format detected by vLLM's own code ("openai" when it loops over a message's content parts, else "string"); in the
"string" format a message's text parts joined by newlines, in the "openai" format its parts kept as {"type": "text",
"text"} and {"type": "image"} (or audio, video); "developer" messages turned into one leading "system" message when
the template names no "developer" role (vLLM's own functions); transformers' apply_chat_template with the template
given, the tokenizer's special tokens overridden by the case's, and strftime_now reading "today" (so that both sides
render the same date); the text tokenized without special tokens (ChatCompletionRequest.add_special_tokens defaults
to False). Nothing here is shared with the Java side.
"""
import datetime
import json
import sys

import transformers.utils.chat_template_utils as hf_chat_utils

from transformers import AutoTokenizer


from vllm.renderers.hf import (  # vLLM's own steps
    _consolidate_system_messages, _convert_developer_to_system, _detect_content_format,
    _detect_developer_role_support)

TEXT_KEYS = {"text": "text", "input_text": "text", "output_text": "text", "thinking": "thinking",
             "refusal": "refusal"}
MEDIA = {"image_url": "image", "input_image": "image", "image_embeds": "image", "audio_url": "audio",
         "input_audio": "audio", "audio_embeds": "audio", "video_url": "video", "video_embeds": "video"}


def content_of(role, content, wrap):
    """parse_chat_message_content_parts: texts joined (string format) or parts as dicts (openai format)."""
    if content is None:
        content = []
    elif isinstance(content, str):
        content = [{"type": "text", "text": content}]
    texts, parts = [], []
    for p in content:
        if isinstance(p, str):
            texts.append(p)
            parts.append({"type": "text", "text": p})
            continue
        kind = p.get("type", "text")
        if kind in TEXT_KEYS:
            text = p.get(TEXT_KEYS[kind])
            if text is None:
                continue
            texts.append(text)
            parts.append({"type": "text", "text": text})
        else:
            parts.append({"type": MEDIA[kind]})
    if not wrap:
        return "\n".join(texts)
    if role == "tool" and all(p["type"] == "text" for p in parts):
        return "\n".join(texts) if texts else ""
    return parts


def conversation(messages, wrap):
    out = []
    for m in messages:
        msg = {"role": m["role"], "content": content_of(m["role"], m.get("content"), wrap)}
        if m["role"] == "assistant" and m.get("tool_calls") is not None:
            msg["tool_calls"] = m["tool_calls"]
        if m["role"] == "assistant" and isinstance(m.get("reasoning"), str):
            msg["reasoning"] = m["reasoning"]
            msg["reasoning_content"] = m["reasoning"]
        if isinstance(m.get("name"), str):
            msg["name"] = m["name"]
        out.append(msg)
    return out


def fix_today(day):
    """strftime_now as transformers defines it, on a fixed day."""
    fixed = datetime.datetime.fromisoformat(day)

    class Today(datetime.datetime):
        @classmethod
        def now(cls, tz=None):
            return fixed

    hf_chat_utils.datetime = Today


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        spec = json.load(f)
    tokenizer = AutoTokenizer.from_pretrained(spec["tokenizer_dir"])
    if spec.get("today"):
        fix_today(spec["today"])
    results = []
    for case in spec["cases"]:
        content_format = _detect_content_format(case["template"], default="string")
        chat = conversation(case["messages"], content_format == "openai")
        if any(m["role"] == "developer" for m in chat) and not _detect_developer_role_support(case["template"]):
            chat = _consolidate_system_messages(_convert_developer_to_system(chat))
        kwargs = dict(case.get("special_tokens") or {})
        kwargs.update(case.get("chat_template_kwargs") or {})
        result = {"id": case["id"], "text": None, "tokens": None, "error": None, "content_format": content_format}
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
