//go:build tools

// Package tools pins llm-d-inference-sim in go.mod so bin/llm-d-sim can build its command.
package tools

import _ "github.com/llm-d/llm-d-inference-sim/cmd/llm-d-inference-sim"
