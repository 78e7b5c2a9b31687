"""A vLLM request's extra keys, as the agent keys blocks with them (docs/block-keys.md, "Extra keys").

vLLM folds four things beside the tokens into its own block hash, and so does Spillway: the LoRA adapter (its name:
the cluster shares blocks across pods that load one adapter from different paths), the cache salt (first block),
multimodal items (each item's identifier and the token range of its placeholders), and prompt embeddings (a SHA-256
of each block's rows of the embeddings tensor, as vLLM hashes them). Two requests with the same tokens and different
extras never share a block.
"""

import hashlib


def request_extras(request, block_size, num_blocks):
    """The ``extras`` field for the first ``num_blocks`` full blocks of ``request``; None when it has none."""
    out = {}
    lora = getattr(request, "lora_request", None)
    if lora is not None and getattr(lora, "lora_name", None):
        out["lora"] = str(lora.lora_name)
    salt = getattr(request, "cache_salt", None)
    if salt:
        out["cache_salt"] = str(salt)
    items = []
    for feature in getattr(request, "mm_features", None) or []:
        position = feature.mm_position
        if feature.identifier is None or position.length <= 0:
            continue
        items.append([str(feature.identifier), int(position.offset), int(position.length)])
    if items:
        out["mm"] = items
    embeds = getattr(request, "prompt_embeds", None)
    if embeds is not None:
        out["embeds"] = [[j * block_size, block_size, _embeds_digest(request, embeds, j * block_size,
                                                                     (j + 1) * block_size).hex()]
                         for j in range(num_blocks)]
    return out or None


def _embeds_digest(request, embeds, start, end):
    """SHA-256 of rows [start, end) of the prompt embeddings, shared with vLLM's own per-request cache of them."""
    cache = getattr(request, "_prompt_embeds_per_block_hashes", None)
    if cache is not None and (start, end) in cache:
        return cache[(start, end)]
    digest = hashlib.sha256(_tensor_bytes(embeds[start:end])).digest()
    if cache is not None:
        cache[(start, end)] = digest
    return digest


def _tensor_bytes(tensor):
    """The raw bytes of a tensor slice, as vLLM hashes them (its ``tensor_data``)."""
    try:
        from vllm.v1.utils import tensor_data
        return tensor_data(tensor)
    except ImportError:
        import torch
        return tensor.detach().contiguous().cpu().view(-1).view(torch.uint8).numpy().tobytes()
