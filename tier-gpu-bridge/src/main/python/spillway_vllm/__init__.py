"""Spillway's vLLM KV connector: hands block ids and token ids to a Spillway agent beside the worker.

Load it with::

    vllm serve MODEL --kv-transfer-config '{"kv_connector": "SpillwayConnector",
        "kv_connector_module_path": "spillway_vllm.connector", "kv_role": "kv_both",
        "kv_connector_extra_config": {"agent_socket": "/run/spillway/agent.sock"}}'

Standard library only; torch and vllm are imported when they are there, so the logic runs under plain Python.
"""
