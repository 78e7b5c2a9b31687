#!/usr/bin/env python3
"""Independent reference implementation of docs/block-keys.md (namespace v2, block v1).

Written from the document alone, sharing nothing with the Java implementation.
Prints the golden vectors pinned in kv-client/protocol's BlockKeysGoldenTest:

    python3 kv-client/protocol/src/test/python/block_keys_reference.py
"""
import hashlib
import struct

NS_TAG = b"spillway/ns/v2"
BLOCK_TAG = b"spillway/block/v1"

LORA, CACHE_SALT, MULTIMODAL, PROMPT_EMBEDS = 0x01, 0x02, 0x03, 0x04


def u32(x):
    return struct.pack("<I", x)


def string(s):
    b = s.encode("utf-8")  # strict: an unpaired surrogate raises
    return u32(len(b)) + b


def h(message):
    return hashlib.sha256(message).digest()[:16]


def namespace_preimage(ns):
    return (NS_TAG + string(ns["tenant"]) + string(ns["modelId"]) + string(ns["loraAdapter"])
            + string(ns["dtype"]) + u32(ns["blockSizeTokens"]) + u32(ns["layers"]) + u32(ns["kvHeads"])
            + u32(ns["headDim"]) + u32(ns["tpSize"]) + u32(ns["tpRank"]) + u32(ns["ppSize"]) + u32(ns["ppRank"])
            + string(ns["layout"]))


def entry(kind, payload):
    return bytes([kind]) + u32(len(payload)) + payload


def block_extras(request, start, end):
    """Entries of the block covering tokens [start, end), in canonical order."""
    entries = []
    if request.get("lora"):
        entries.append(entry(LORA, request["lora"].encode("utf-8")))
    if request.get("salt") and start == 0:
        entries.append(entry(CACHE_SALT, request["salt"].encode("utf-8")))
    for mm_hash, offset, length in sorted(request.get("mm", []), key=lambda item: item[1]):
        if offset < end and offset + length > start:
            entries.append(entry(MULTIMODAL, u32(offset) + u32(length) + mm_hash.encode("utf-8")))
    for offset, length, digest in sorted(request.get("embeds", []), key=lambda item: item[0]):
        if offset < end and offset + length > start:
            entries.append(entry(PROMPT_EMBEDS, u32(offset) + u32(length) + digest))
    return u32(len(entries)) + b"".join(entries)


def block_preimage(parent, tokens, start, block_size, request):
    body = b"".join(u32(t) for t in tokens[start:start + block_size])
    return BLOCK_TAG + parent + u32(block_size) + body + block_extras(request, start, start + block_size)


def chain(ns, tokens, request=None):
    request = request or {}
    b = ns["blockSizeTokens"]
    parent = h(namespace_preimage(ns))
    keys = []
    for start in range(0, len(tokens) - b + 1, b):
        parent = h(block_preimage(parent, tokens, start, b, request))
        keys.append(parent)
    return keys


def tokens(n, seed):
    """The deterministic token ids the Java test generates the same way."""
    return [(seed * 1_000_003 + i * 7919) % 128256 for i in range(n)]


def namespace(**fields):
    ns = dict(tenant="default", modelId=None, loraAdapter="", dtype="bfloat16", blockSizeTokens=16, layers=None,
              kvHeads=None, headDim=None, tpSize=1, tpRank=0, ppSize=1, ppRank=0, layout="NHD")
    ns.update(fields)
    return ns


WORKED = namespace(tenant="t", modelId="m", dtype="bf16", blockSizeTokens=2, layers=1, kvHeads=1, headDim=1)
LLAMA3_8B = namespace(tenant="acme", modelId="meta-llama/Meta-Llama-3-8B-Instruct", dtype="bfloat16",
                      blockSizeTokens=16, layers=32, kvHeads=8, headDim=128)
UNICODE = namespace(tenant="café-租户", modelId="模型/ünïcødé-🦙", loraAdapter="ñ-adapter", dtype="float16",
                    blockSizeTokens=4, layers=2, kvHeads=2, headDim=64, tpSize=2, tpRank=1, layout="HND")
LLAMA3_8B_TP4_RANK3 = dict(LLAMA3_8B, tpSize=4, tpRank=3, kvHeads=2)
OTHER_TENANT = dict(LLAMA3_8B, tenant="globex")
LLAMA3_8B_PP2_STAGE1 = dict(LLAMA3_8B, ppSize=2, ppRank=1, layers=16)

MM = {"mm": [("🖼-img-2", 40, 8), ("a1b2c3d4e5f60718", 5, 20)]}
# one digest a 16-token block, as vLLM hashes each block's slice of prompt_embeds (here: SHA-256 of a label)
EMBEDS = {"embeds": [(16 * j, 16, hashlib.sha256(b"embeds-%d" % j).digest()) for j in range(3)]}

CASES = [
    # name, namespace, token count, token seed, request extras
    ("workedExample", WORKED, None, None, {}),
    ("llama3Root", LLAMA3_8B, 0, 0, {}),
    ("llama3TwoBlocksAndPartial", LLAMA3_8B, 40, 1, {}),
    ("llama3OtherTenant", OTHER_TENANT, 40, 1, {}),
    ("llama3Tp4Rank3", LLAMA3_8B_TP4_RANK3, 40, 1, {}),
    ("unicodeNamespaceThreeBlocks", UNICODE, 14, 2, {}),
    ("lora", LLAMA3_8B, 48, 3, {"lora": "sql-adapter-ü"}),
    ("cacheSalt", LLAMA3_8B, 48, 3, {"salt": "s3cr3t-盐"}),
    ("multimodal", LLAMA3_8B, 64, 4, MM),
    ("allExtras", LLAMA3_8B, 64, 4, dict(MM, lora="sql-adapter-ü", salt="s3cr3t-盐")),
    ("llama3Pp2Stage1", LLAMA3_8B_PP2_STAGE1, 40, 1, {}),
    ("promptEmbeds", LLAMA3_8B, 48, 5, EMBEDS),
    ("promptEmbedsWithLoraAndSalt", LLAMA3_8B, 48, 5, dict(EMBEDS, lora="sql-adapter-ü", salt="s3cr3t-盐")),
]


def main():
    for name, ns, n, seed, request in CASES:
        toks = [1, 2, 3] if n is None else tokens(n, seed)
        root = h(namespace_preimage(ns))
        print(f"{name}: root={root.hex()}")
        for i, key in enumerate(chain(ns, toks, request)):
            print(f"{name}: k[{i}]={key.hex()}")
    pre = namespace_preimage(WORKED)
    print(f"workedExample: k_0 preimage ({len(pre)} bytes) {pre.hex()}")
    pre = block_preimage(h(namespace_preimage(WORKED)), [1, 2, 3], 0, 2, {})
    print(f"workedExample: k_1 preimage ({len(pre)} bytes) {pre.hex()}")


if __name__ == "__main__":
    main()
