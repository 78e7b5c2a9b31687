module spillway.local/llm-d-sim

go 1.26

require github.com/llm-d/llm-d-inference-sim v0.10.2
