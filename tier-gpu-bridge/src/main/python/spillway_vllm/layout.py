"""How a worker's KV tensors lie in memory, as the agent copies them: regions, layer placements, page runs.

vLLM hands ``register_kv_caches`` one tensor per layer. Their logical shape depends on the version and attention
backend (``[2, num_blocks, block_size, kv_heads, head_size]`` in older flash-attention; ``[num_blocks, 2, block_size,
kv_heads, head_size]`` in FlashInfer and vLLM 0.34's split form; ``[num_blocks, kv_heads, block_size, 2 * head_size]``
in its packed form; ``[num_blocks, block_size, latent]`` for MLA), and the memory order is the strides' (a stride
order such as HND, or cross-layer layouts where every layer is a view of one tensor with blocks outermost). Rather
than know each form, this reads shape and strides: the dimension of size ``num_blocks`` is the block dimension, the
others are the page; the page's bytes are cut into runs, contiguous stretches in memory order; the block stride says
how far apart blocks are. The agent copies those runs; on the host a block is every layer's runs, layer by layer, in
memory order, so two workers whose pages have the same format (``page_format``) hold the same bytes for a block.
"""

MAX_RUNS = 256


class LayoutError(Exception):
    """A KV tensor the connector cannot describe (no block dimension, a page too fragmented, overlapping blocks)."""


def block_dim(shape, num_blocks):
    """The block dimension: the first of size ``num_blocks`` among the first two (vLLM puts it first, or second after
    the K/V dimension of size 2)."""
    for d in range(min(2, len(shape))):
        if shape[d] == num_blocks:
            return d
    raise LayoutError("no dimension of %d blocks in the first two of a KV tensor shaped %s" % (num_blocks, shape))


def page_dims(shape, stride, bdim):
    """The page's dimensions (all but the block one, size-1 ones dropped) in memory order: outermost first."""
    dims = [d for d in range(len(shape)) if d != bdim and shape[d] > 1]
    return sorted(dims, key=lambda d: (-stride[d], d))


def page_runs(shape, stride, element_size, bdim):
    """The byte runs of one block's page, relative to the block's first element, in memory order."""
    dims = page_dims(shape, stride, bdim)
    if not dims:
        return [(0, element_size)]
    inner = dims[-1]
    if stride[inner] != 1:
        raise LayoutError("the innermost page dimension %d has stride %d: a page's elements are not contiguous"
                          % (inner, stride[inner]))
    extent = shape[inner]
    outer = []
    for d in reversed(dims[:-1]):
        if not outer and stride[d] == extent:
            extent *= shape[d]
        else:
            outer.insert(0, d)
    count = 1
    for d in outer:
        count *= shape[d]
    if count > MAX_RUNS:
        raise LayoutError("a page of this layout is %d separate runs (over %d): shape %s, strides %s"
                          % (count, MAX_RUNS, tuple(shape), tuple(stride)))
    offsets = [0]
    for d in outer:  # outermost first, so runs come out in memory order
        offsets = [o + i * stride[d] for o in offsets for i in range(shape[d])]
    runs = [(o * element_size, extent * element_size) for o in offsets]
    ordered = sorted(runs)
    for (a, n), (b, _) in zip(ordered, ordered[1:]):
        if b < a + n:
            raise LayoutError("runs of a page overlap: shape %s, strides %s" % (tuple(shape), tuple(stride)))
    return runs


def page_format(shape, stride, bdim, dtype_name, layout_name=None):
    """A name for the bytes of a page: the page's dimensions in memory order, each as logical index:size, with the
    engine's layout name and the dtype. Equal names, equal bytes for the same tokens."""
    dims = page_dims(shape, stride, bdim)
    body = ",".join("%d:%d" % (d, shape[d]) for d in dims)
    return "%s/%s[%s]%s" % (layout_name or "kv", dtype_name, body, "" if bdim == 0 else "@b%d" % bdim)


def describe(tensors, num_blocks, region_of, dtype_name, layout_name=None):
    """The agent's ``cache`` description of ``tensors`` (one per layer, in layer order), and the page format.

    ``region_of(tensor)`` returns ``(region_key, handle, storage_offset, storage_bytes)``: which allocation the
    tensor's storage lies in (equal keys: the same allocation, registered once), its IPC handle, and where the
    storage starts in the allocation and how long it is. Every layer must share one page format and one page shape.
    """
    regions, handles, layers = {}, [], []
    runs, fmt = None, None
    for tensor in tensors:
        shape, stride = tuple(tensor.shape), tuple(tensor.stride())
        esize = tensor.element_size()
        bdim = block_dim(shape, num_blocks)
        layer_runs = page_runs(shape, stride, esize, bdim)
        layer_fmt = page_format(shape, stride, bdim, dtype_name, layout_name)
        if runs is None:
            runs, fmt = layer_runs, layer_fmt
        elif layer_runs != runs or layer_fmt != fmt:
            raise LayoutError("layers differ: %s %s against %s %s" % (layer_fmt, layer_runs, fmt, runs))
        key, handle, storage_offset, storage_bytes = region_of(tensor)
        if key not in regions:
            regions[key] = len(handles)
            handles.append(handle)
        origin = storage_offset + tensor.storage_offset() * esize
        block_stride = stride[bdim] * esize
        if block_stride <= 0:
            raise LayoutError("blocks do not advance in memory: stride %d" % stride[bdim])
        layers.append([regions[key], origin, block_stride, storage_offset, storage_offset + storage_bytes])
    page_bytes = sum(n for _, n in runs)
    if any(layer[2] < page_bytes and not _interleaved_ok(runs, layer[2], num_blocks) for layer in layers):
        raise LayoutError("blocks overlap: a block stride smaller than the page's bytes and runs that collide")
    return {"num_blocks": num_blocks, "regions": handles, "layers": layers,
            "runs": [[o, n] for o, n in runs]}, fmt, page_bytes


def _interleaved_ok(runs, block_stride, num_blocks):
    """Whether the pages of blocks a stride apart never overlap (the [2, num_blocks, ...] layout: each half advances
    a page-half, and block num_blocks - 1's key half ends where block 0's value half starts)."""
    occupied = sorted(runs)
    span = occupied[-1][0] + occupied[-1][1]
    for k in range(1, min(num_blocks, span // block_stride + 2)):
        shifted = [(o + k * block_stride, n) for o, n in occupied]
        for a, n in occupied:
            for b, m in shifted:
                if a < b + m and b < a + n:
                    return False
    return True


def page_view(tensor, bdim, block):
    """One block's page as a view in memory order (``.contiguous()`` of it is the page's bytes in run order)."""
    page = tensor.select(bdim, block)
    dims = sorted(range(page.dim()), key=lambda d: (-page.stride(d), d))
    return page.permute(dims)
