"""Spillway's vLLM KV connector: hands block ids, token ids and extra keys to a Spillway agent beside the worker.

Load it with::

    vllm serve MODEL --kv-transfer-config '{"kv_connector": "SpillwayConnector",
        "kv_connector_module_path": "spillway_vllm.connector", "kv_role": "kv_both",
        "kv_load_failure_policy": "recompute",
        "kv_connector_extra_config": {"agent_socket": "/run/spillway/agent-{rank}.sock"}}'

It runs inside vLLM (its base class, torch); docs/vllm.md has every setting.
"""
