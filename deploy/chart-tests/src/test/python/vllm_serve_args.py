"""Parses the chart's example vLLM container arguments with vLLM's own code (the `vllm serve` parser of vLLM 0.34)
and prints what vLLM made of them as one JSON object, for VllmArgsConformanceTest to assert on.

    vllm_serve_args.py ARG...      the container's args after `vllm serve` ($(VAR)s already resolved)

What runs is vLLM's: the serve subcommand's FlexibleArgumentParser built by make_arg_parser (every flag, type and
choice), validate_parsed_serve_args, AsyncEngineArgs.from_cli_args, the KVTransferConfig and KVEventsConfig
dataclasses (their pydantic field checks and __post_init__: kv_role, kv_load_failure_policy's Literal, publisher),
ParallelConfig and CacheConfig for the tensor-parallel size and block size, KVConnectorFactory.get_connector_class
(imports kv_connector_module_path and checks the constructor takes kv_cache_config), and ZmqEventPublisher's own
bind-or-connect rule for the endpoint. It stops before EngineArgs.create_engine_config: that reads the model's
Hugging Face config (network) and would build the engine's platform state; no engine is made, no model loaded.
Any rejection exits non-zero with vLLM's message.
"""
import json
import os
import sys

os.environ.setdefault("VLLM_LOGGING_LEVEL", "WARNING")
# not HF_HUB_OFFLINE: with it, EngineArgs.__post_init__ swaps the model id for its local Hugging Face snapshot,
# which is not here; without it the id stays as given, and nothing this script calls reads the hub
os.environ.pop("HF_HUB_OFFLINE", None)
os.environ.setdefault("VLLM_NO_USAGE_STATS", "1")
# no GPU here: vLLM's CPU platform, so that the configs whose defaults ask the platform (DeviceConfig) can be made
os.environ.setdefault("VLLM_TARGET_DEVICE", "cpu")

from vllm.config import CacheConfig, KVEventsConfig, KVTransferConfig, ParallelConfig  # noqa: E402
from vllm.distributed.kv_events import ZmqEventPublisher  # noqa: E402
from vllm.distributed.kv_transfer.kv_connector.factory import KVConnectorFactory  # noqa: E402
from vllm.distributed.kv_transfer.kv_connector.v1 import supports_hma  # noqa: E402
from vllm.distributed.kv_transfer.kv_connector.v1.base import KVConnectorBase_V1  # noqa: E402
from vllm.engine.arg_utils import AsyncEngineArgs  # noqa: E402
from vllm.utils.argparse_utils import FlexibleArgumentParser  # noqa: E402


def serve_parser():
    """`vllm serve`'s parser, as vllm.entrypoints.cli.main builds it: a FlexibleArgumentParser with the serve
    subcommand whose arguments make_arg_parser adds; and its validation. Where make_arg_parser cannot be imported
    (its module imports vLLM's HTTP server, FastAPI, which bin/vllm-requirements.txt leaves out), the serve
    subcommand gets make_arg_parser's own positional model_tag, the one frontend flag the chart passes (--port, an
    int) and every engine flag from AsyncEngineArgs.add_cli_args: what the chart configures beyond the port."""
    parser = FlexibleArgumentParser(description="vLLM CLI")
    subparsers = parser.add_subparsers(required=False, dest="subparser")
    serve = subparsers.add_parser("serve", usage="vllm serve [model_tag] [options]")
    try:
        from vllm.entrypoints.common.cli_args import make_arg_parser, validate_parsed_serve_args
    except ModuleNotFoundError as e:
        serve.add_argument("model_tag", type=str, nargs="?")
        serve.add_argument("--port", type=int, default=8000)
        AsyncEngineArgs.add_cli_args(serve)
        return parser, lambda args: None, "engine args (make_arg_parser: %s)" % e
    make_arg_parser(serve)
    return parser, validate_parsed_serve_args, "make_arg_parser"


def main(argv):
    parser, validate, parser_name = serve_parser()
    args = parser.parse_args(["serve", *argv])
    validate(args)
    if args.model_tag is not None:  # what ServeSubcommand.cmd does: the positional model wins
        args.model = args.model_tag
    engine = AsyncEngineArgs.from_cli_args(args)

    transfer = engine.kv_transfer_config
    events = engine.kv_events_config
    if not isinstance(transfer, KVTransferConfig) or not isinstance(events, KVEventsConfig):
        raise SystemExit("vLLM made no KVTransferConfig/KVEventsConfig: %r %r" % (transfer, events))
    # once more through the dataclasses from plain dicts: their constructors are what validate the values
    transfer = KVTransferConfig(**{k: getattr(transfer, k) for k in (
        "kv_connector", "kv_role", "kv_connector_module_path", "kv_connector_extra_config", "kv_load_failure_policy")})
    events = KVEventsConfig(**{k: getattr(events, k) for k in ("enable_kv_cache_events", "publisher", "endpoint",
                                                               "topic")})
    parallel = ParallelConfig(tensor_parallel_size=engine.tensor_parallel_size,
                              pipeline_parallel_size=engine.pipeline_parallel_size)
    cache = CacheConfig(block_size=engine.block_size) if engine.block_size is not None else None

    connector = KVConnectorFactory.get_connector_class(transfer)
    if not issubclass(connector, KVConnectorBase_V1):
        raise SystemExit("%s is not a KVConnectorBase_V1" % connector)

    extra = dict(transfer.kv_connector_extra_config)
    socket = str(extra.get("agent_socket", ""))
    tp, pp = parallel.tensor_parallel_size, parallel.pipeline_parallel_size
    # the connector's worker side: socket.format(rank=pp_rank * tp_size + tp_rank, ...) per worker (docs/vllm.md)
    sockets = [socket.format(rank=p * tp + t, tp_rank=t, pp_rank=p) for p in range(pp) for t in range(tp)]

    print(json.dumps({
        "parser": parser_name,
        "model": engine.model,
        "served_model_name": engine.served_model_name,
        "port": args.port,
        "tensor_parallel_size": tp,
        "pipeline_parallel_size": pp,
        "block_size": cache.block_size if cache else None,
        "kv_transfer": {
            "kv_connector": transfer.kv_connector,
            "kv_connector_module_path": transfer.kv_connector_module_path,
            "kv_role": transfer.kv_role,
            "is_kv_producer": transfer.is_kv_producer,
            "is_kv_consumer": transfer.is_kv_consumer,
            "kv_load_failure_policy": transfer.kv_load_failure_policy,
            "kv_connector_extra_config": extra,
        },
        "connector": {
            "class": connector.__module__ + "." + connector.__qualname__,
            "subclasses_KVConnectorBase_V1": issubclass(connector, KVConnectorBase_V1),
            "supports_hma": bool(supports_hma(connector)),
            "agent_sockets": sockets,
        },
        "kv_events": {
            "enable_kv_cache_events": events.enable_kv_cache_events,
            "publisher": events.publisher,
            "endpoint": events.endpoint,
            "topic": events.topic,
            "connects": not ZmqEventPublisher._is_bind_endpoint(events.endpoint),
        },
    }, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1:])
