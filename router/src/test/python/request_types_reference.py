"""Reads request bodies the way vLLM 0.34 does, for the router's request-type conformance test.

    python request_types_reference.py CASES.json > RESULTS.json

CASES.json: [{"id", "api": "completions" | "embeddings" | "responses", "body"}].
RESULTS.json: [{"id", "valid", "error", "kind", "chat"}]:
  valid  whether vLLM's own request model (CompletionRequest, the EmbeddingRequest union, ResponsesRequest) accepts it;
  kind   for completions and embeddings: the model vLLM picked and the prompt's shape ("text", "tokens", "batch", "chat");
  chat   for responses: the chat request vLLM renders: {"messages", "tools", "add_generation_prompt",
         "continue_final_message", "reasoning_effort", "enable_thinking"} from vLLM's own construct_input_messages,
         construct_tool_dicts and ResponsesRequest.build_chat_params.
Nothing here is shared with the Java side.
"""
import json
import sys
import types

from pydantic import TypeAdapter


class _Absent(types.ModuleType):
    """The web server packages vLLM's protocol modules import but the request models never use (the project's vLLM
    environment does not install them): any name is a placeholder class."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return type(name, (), {"__init__": lambda self, *a, **k: None})


for _name in ("fastapi", "fastapi.responses", "fastapi.exceptions", "fastapi.middleware",
              "fastapi.middleware.cors", "fastapi.routing", "starlette", "starlette.datastructures",
              "starlette.requests", "starlette.responses", "starlette.routing", "starlette.types",
              "starlette.background", "starlette.concurrency", "uvicorn", "partial_json_parser",
              "partial_json_parser.core", "partial_json_parser.core.options"):
    try:
        __import__(_name)
    except ImportError:
        sys.modules[_name] = _Absent(_name)

from vllm.entrypoints.openai.completion.protocol import CompletionRequest
from vllm.entrypoints.openai.responses.protocol import ResponsesRequest
from vllm.entrypoints.openai.responses.utils import construct_input_messages, construct_tool_dicts
from vllm.entrypoints.pooling.embed.protocol import EmbeddingRequest


def plain(value):
    """Pydantic models, TypedDicts and the iterators pydantic leaves in them, as JSON."""
    if hasattr(value, "model_dump"):
        return plain(value.model_dump())
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)) or (hasattr(value, "__iter__") and not isinstance(value, (str, bytes))):
        return [plain(v) for v in value]
    return value


def shape(prompt):
    if isinstance(prompt, str):
        return "text"
    if prompt and isinstance(prompt[0], int):
        return "tokens"
    return "text" if len(prompt) == 1 and isinstance(prompt[0], str) else \
        "tokens" if len(prompt) == 1 else "batch"


def read(case):
    body, api = case["body"], case["api"]
    if api == "completions":
        r = CompletionRequest.model_validate(body)
        return {"kind": "embeds" if r.prompt is None else shape(r.prompt)}
    if api == "embeddings":
        r = TypeAdapter(EmbeddingRequest).validate_python(body)
        name = type(r).__name__
        if "Batch" in name:
            return {"kind": "batch"}
        if "Chat" in name:
            return {"kind": "chat"}
        return {"kind": shape(r.input)}
    r = ResponsesRequest.model_validate(body)
    messages = construct_input_messages(request_instructions=r.instructions, request_input=r.input)
    params = r.build_chat_params(None, "auto")
    kwargs = params.chat_template_kwargs or {}
    return {"chat": {
        "messages": plain(messages),
        "tools": construct_tool_dicts(r.tools, r.tool_choice),
        "add_generation_prompt": kwargs.get("add_generation_prompt"),
        "continue_final_message": kwargs.get("continue_final_message"),
        "reasoning_effort": kwargs.get("reasoning_effort"),
        "enable_thinking": kwargs.get("enable_thinking"),
    }}


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        cases = json.load(f)
    results = []
    for case in cases:
        result = {"id": case["id"], "valid": True, "error": None}
        try:
            result.update(read(case))
        except Exception as e:  # vLLM refuses the body
            result["valid"] = False
            result["error"] = f"{type(e).__name__}: {e}"[:500]
        results.append(result)
    json.dump(results, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
