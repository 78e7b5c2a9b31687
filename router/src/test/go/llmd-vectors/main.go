// Command llmd-vectors writes the ext_proc request sets and expected responses of the Gateway API Inference
// Extension's hermetic EPP test (test/integration/epp/hermetic_test.go at v1.4.0, the version llm-d's inference
// scheduler v0.7.1 builds on; llm-d's newest sources carry the same cases in test/integration/epp) as protobuf JSON,
// for the router's LlmdVectorsTest. It calls GIE's own builders (integration.ReqLLM, ReqRaw, ReqHeaderOnly,
// GenerateStreamedRequestSet, GenerateRequest, NewRequestBufferedResponse; epp.ReqSubset, ReqResponseOnly,
// ExpectRouteTo, ExpectReject, ExpectStreamResp, ExpectBufferResp) rather than transcribing their output.
//
//	go run . <output directory>
//
// Each case is written once per Envoy behaviour (see variants below); README.md beside the output says what the
// router's test checks and how a case's pods are mapped onto the router.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	envoyCorev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	filterPb "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	extProcPb "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	envoyTypePb "github.com/envoyproxy/go-control-plane/envoy/type/v3"
	"github.com/go-logr/logr"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	reqcommon "sigs.k8s.io/gateway-api-inference-extension/pkg/common/request"
	"sigs.k8s.io/gateway-api-inference-extension/pkg/epp/metadata"
	"sigs.k8s.io/gateway-api-inference-extension/test/integration"
	"sigs.k8s.io/gateway-api-inference-extension/test/integration/epp"
)

// The model names of hermetic_test.go (unexported there).
const (
	modelMyModel         = "my-model"
	modelSQLLora         = "sql-lora"
	modelSQLLoraTarget   = "sql-lora-1fdg2"
	modelSheddable       = "sql-lora-sheddable"
	modelSheddableTarget = "sql-lora-1fdg3"
	modelDirect          = "direct-model"
)

// pod is hermetic_test.go's P(index, queue, kv, models...): pod i is 192.168.1.(i+1):8000.
type pod struct {
	Address      string   `json:"address"`
	Queue        int      `json:"queue"`
	KvCacheUsage float64  `json:"kvCacheUsage"`
	Models       []string `json:"models"`
}

func p(idx, queue int, kv float64, models ...string) pod {
	if models == nil {
		models = []string{}
	}
	return pod{Address: fmt.Sprintf("192.168.1.%d:8000", idx+1), Queue: queue, KvCacheUsage: kv, Models: models}
}

type testCase struct {
	name     string
	phase    string // "request" or "response"
	model    string // the model the request names, for the pod mapping; "" when it names none
	requests []*extProcPb.ProcessingRequest
	pods     []pod
	want     []*extProcPb.ProcessingResponse
	note     string
}

var logger = logr.Discard()

func cases() []testCase {
	return []testCase{
		{
			name: "select lower queue and kv cache", phase: "request", model: modelMyModel,
			requests: integration.ReqLLM(logger, "test1", modelMyModel, ""),
			pods:     []pod{p(0, 3, 0.2), p(1, 0, 0.1), p(2, 10, 0.2)},
			want:     epp.ExpectRouteTo("192.168.1.2:8000", modelMyModel, "test1"),
		},
		{
			name: "select active lora, low queue", phase: "request", model: modelSQLLora,
			requests: integration.ReqLLM(logger, "test2", modelSQLLora, ""),
			pods: []pod{p(0, 0, 0.2, "foo", "bar"), p(1, 0, 0.1, "foo", modelSQLLora),
				p(2, 10, 0.2, "foo", "bar")},
			want: epp.ExpectRouteTo("192.168.1.2:8000", modelSQLLora, "test2"),
		},
		{
			name: "select lora despite higher kv cache (affinity)", phase: "request", model: modelSQLLora,
			requests: integration.ReqLLM(logger, "test3", modelSQLLora, ""),
			pods: []pod{p(0, 10, 0.2, "foo", "bar"), p(1, 10, 0.4, "foo", modelSQLLora),
				p(2, 10, 0.3, "foo")},
			want: epp.ExpectRouteTo("192.168.1.2:8000", modelSQLLora, "test3"),
		},
		{
			name: "do not shed requests by default", phase: "request", model: modelSQLLora,
			requests: integration.ReqLLM(logger, "test4", modelSQLLora, ""),
			pods: []pod{p(0, 6, 0.2, "foo", "bar", modelSQLLora), p(1, 0, 0.85, "foo"),
				p(2, 10, 0.9, "foo")},
			want: epp.ExpectRouteTo("192.168.1.1:8000", modelSQLLora, "test4"),
		},
		{
			name: "invalid json body", phase: "request",
			requests: integration.ReqRaw(map[string]string{"hi": "mom"}, "no healthy upstream"),
			pods:     []pod{p(0, 0, 0.2, "foo", "bar")},
			want: epp.ExpectReject(envoyTypePb.StatusCode_BadRequest,
				"inference gateway: BadRequest - Error unmarshaling request body"),
		},
		{
			name: "split body across chunks", phase: "request", model: modelSheddable,
			requests: integration.ReqRaw(map[string]string{
				"hi":                         "mom",
				metadata.ObjectiveKey:        modelSheddable,
				reqcommon.RequestIdHeaderKey: "test-request-id",
			}, `{"max_tokens":100,"model":"sql-lo`, `ra-sheddable","prompt":"test6","temperature":0}`),
			pods: []pod{p(0, 4, 0.2, "foo", "bar", modelSheddable), p(1, 4, 0.85, "foo", modelSheddable)},
			want: epp.ExpectRouteTo("192.168.1.1:8000", modelSheddable, "test6"),
		},
		{
			name: "no backend pods available", phase: "request",
			requests: integration.ReqHeaderOnly(map[string]string{"content-type": "application/json"}),
			pods:     []pod{},
			want: integration.NewImmediateErrorResponse(envoyTypePb.StatusCode_ServiceUnavailable,
				"inference gateway: Internal - no pods available in datastore"),
			note: "hermetic_test.go expects 500 (InternalServerError) here; the endpoint picker protocol (GIE " +
				"docs/proposals/004-endpoint-picker-protocol) requires 503 when there are no ready endpoints, so the " +
				"expected response is built with GIE's NewImmediateErrorResponse and the protocol's code",
		},
		{
			name: "request missing model field", phase: "request",
			requests: integration.ReqRaw(map[string]string{"content-type": "application/json"}, `{"hello":"world"}`),
			pods:     []pod{p(0, 0, 0.2)},
			want: epp.ExpectReject(envoyTypePb.StatusCode_BadRequest,
				"inference gateway: BadRequest - model not found in request body"),
			note: "hermetic_test.go runs this case with no pods; one idle pod is given here so that the 400 cannot " +
				"come from an empty pool",
		},
		{
			name: "subsetting: select best from subset", phase: "request", model: modelSQLLora,
			requests: epp.ReqSubset("test2", modelSQLLora, "", "192.168.1.1:8000", "192.168.1.2:8000",
				"192.168.1.3:8000"),
			pods: []pod{p(0, 0, 0.2, "foo"), p(1, 0, 0.1, "foo", modelSQLLora), p(2, 10, 0.2, "foo")},
			want: epp.ExpectRouteTo("192.168.1.2:8000", modelSQLLora, "test2"),
		},
		{
			name: "subsetting: partial match", phase: "request", model: modelSQLLora,
			requests: epp.ReqSubset("test2", modelSQLLora, "", "192.168.1.3:8000"),
			pods:     []pod{p(0, 0, 0.2, "foo"), p(1, 0, 0.1, "foo", modelSQLLora), p(2, 10, 0.2, "foo")},
			want:     epp.ExpectRouteTo("192.168.1.3:8000", modelSQLLora, "test2"),
		},
		{
			name: "subsetting: no pods match", phase: "request", model: modelSQLLora,
			requests: epp.ReqSubset("test2", modelSQLLora, "", "192.168.1.99:8000"),
			pods:     []pod{p(0, 0, 0.2, "foo"), p(1, 0, 0.1, "foo", modelSQLLora)},
			want: epp.ExpectReject(envoyTypePb.StatusCode_ServiceUnavailable,
				"inference gateway: ServiceUnavailable - failed to find candidate pods for serving the request"),
		},
		{
			name: "passthrough: model not in objectives", phase: "request", model: modelDirect,
			requests: integration.ReqRaw(map[string]string{
				"hi":                         "mom",
				metadata.ObjectiveKey:        modelDirect,
				metadata.ModelNameRewriteKey: modelDirect,
				reqcommon.RequestIdHeaderKey: "test-request-id",
			}, `{"max_tokens":100,"model":"direct-`, `model","prompt":"test6","temperature":0}`),
			pods: []pod{p(0, 4, 0.2, "foo", "bar", modelSheddableTarget)},
			want: epp.ExpectRouteTo("192.168.1.1:8000", modelDirect, "test6"),
		},
		{
			name: "response buffering: invalid JSON", phase: "response",
			requests: epp.ReqResponseOnly(map[string]string{"content-type": "application/json"}, "no healthy upstream"),
			pods:     []pod{p(0, 4, 0.2, modelSheddableTarget)},
			want:     epp.ExpectBufferResp("no healthy upstream", "application/json"),
		},
		{
			name: "response streaming: SSE token counting", phase: "response",
			requests: epp.ReqResponseOnly(map[string]string{"content-type": "text/event-stream", "status": "200"},
				`data: {}`,
				`data: {"usage":{"prompt_tokens":7,"total_tokens":17,"completion_tokens":10}}`+"\n"+`data: [DONE]`,
				""),
			pods: []pod{p(0, 4, 0.2, modelSheddableTarget)},
			want: epp.ExpectStreamResp(`data: {}`,
				`data: {"usage":{"prompt_tokens":7,"total_tokens":17,"completion_tokens":10}}`+"\n"+`data: [DONE]`,
				""),
		},
	}
}

// variant is one way Envoy may carry a case: its body mode, and whether it announces the mode in
// protocol_config (Envoy 1.34 on) or not (1.33, the form GIE's own builders produce).
type variant struct {
	suffix   string
	mode     filterPb.ProcessingMode_BodySendMode
	announce bool
}

var variants = []variant{
	{"full-duplex-envoy-1.33", filterPb.ProcessingMode_FULL_DUPLEX_STREAMED, false},
	{"full-duplex-envoy-1.34", filterPb.ProcessingMode_FULL_DUPLEX_STREAMED, true},
	{"buffered-envoy-1.33", filterPb.ProcessingMode_BUFFERED, false},
	{"buffered-envoy-1.34", filterPb.ProcessingMode_BUFFERED, true},
}

type vector struct {
	Name     string            `json:"name"`
	Case     string            `json:"case"`
	Source   string            `json:"source"`
	Mode     string            `json:"mode"`
	Announce bool              `json:"protocolConfig"`
	Phase    string            `json:"phase"`
	Model    string            `json:"model,omitempty"`
	Pods     []pod             `json:"pods"`
	Note     string            `json:"note,omitempty"`
	Requests []json.RawMessage `json:"requests"`
	Expected []json.RawMessage `json:"expected"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: llmd-vectors <output directory>")
		os.Exit(2)
	}
	out := os.Args[1]
	if err := os.MkdirAll(out, 0o755); err != nil {
		fail(err)
	}
	n := 0
	for _, c := range cases() {
		for _, v := range variants {
			if c.phase == "response" && v.mode == filterPb.ProcessingMode_BUFFERED {
				continue // GIE's response cases are full-duplex exchanges; a buffered response has no chunks to check
			}
			reqs := cloneAll(c.requests)
			want := cloneAll(c.want)
			for _, r := range reqs {
				sortHeaders(r)
			}
			if v.announce {
				reqs[0].ProtocolConfig = &extProcPb.ProtocolConfiguration{RequestBodyMode: v.mode,
					ResponseBodyMode: v.mode}
			}
			if v.mode == filterPb.ProcessingMode_BUFFERED {
				reqs, want = buffered(reqs, want)
			}
			vec := vector{
				Name: slug(c.name) + "." + v.suffix, Case: c.name,
				Source: "sigs.k8s.io/gateway-api-inference-extension@v1.4.0 test/integration/epp/hermetic_test.go " +
					"TestFullDuplexStreamed_KubeInferenceObjectiveRequest",
				Mode: v.mode.String(), Announce: v.announce, Phase: c.phase, Model: c.model, Pods: c.pods,
				Note: c.note, Requests: marshalAll(reqs), Expected: marshalAll(want),
			}
			data, err := json.MarshalIndent(vec, "", "  ")
			if err != nil {
				fail(err)
			}
			if err := os.WriteFile(filepath.Join(out, vec.Name+".json"), append(data, '\n'), 0o644); err != nil {
				fail(err)
			}
			n++
		}
	}
	fmt.Printf("wrote %d vectors to %s\n", n, out)
}

// buffered turns a full-duplex case into what Envoy sends and expects in BUFFERED mode: the body arrives in one
// message (Envoy buffers it), the headers are answered at once with CONTINUE, and the routing mutation and metadata
// that GIE's full-duplex EPP puts on its headers response go on the body response instead (Envoy holds the headers
// until the body is processed); the body is not replaced. Immediate responses stay as they are.
func buffered(reqs []*extProcPb.ProcessingRequest, want []*extProcPb.ProcessingResponse) (
	[]*extProcPb.ProcessingRequest, []*extProcPb.ProcessingResponse) {
	var out []*extProcPb.ProcessingRequest
	var body []byte
	var bodyReq *extProcPb.ProcessingRequest
	for _, r := range reqs {
		if b := r.GetRequestBody(); b != nil {
			body = append(body, b.Body...)
			if bodyReq == nil {
				bodyReq = r
			}
			continue
		}
		out = append(out, r)
	}
	if bodyReq != nil {
		bodyReq.GetRequestBody().Body = body
		bodyReq.GetRequestBody().EndOfStream = true
		out = append(out, bodyReq)
	}
	if len(want) == 1 && want[0].GetImmediateResponse() != nil {
		if bodyReq != nil && len(out) > 1 { // the headers are answered before the body arrives
			return out, []*extProcPb.ProcessingResponse{continueHeaders(), want[0]}
		}
		return out, want
	}
	var routed *extProcPb.ProcessingResponse
	for _, w := range want {
		if h := w.GetRequestHeaders(); h != nil {
			routed = &extProcPb.ProcessingResponse{
				Response:        &extProcPb.ProcessingResponse_RequestBody{RequestBody: &extProcPb.BodyResponse{Response: h.Response}},
				DynamicMetadata: w.DynamicMetadata,
			}
			routed.GetRequestBody().Response.BodyMutation = nil
		}
	}
	if routed == nil {
		fail(fmt.Errorf("a routed case without a headers response"))
	}
	return out, []*extProcPb.ProcessingResponse{continueHeaders(), routed}
}

func continueHeaders() *extProcPb.ProcessingResponse {
	return &extProcPb.ProcessingResponse{Response: &extProcPb.ProcessingResponse_RequestHeaders{
		RequestHeaders: &extProcPb.HeadersResponse{}}}
}

// sortHeaders puts a message's headers in key order: GIE builds them from a Go map, whose order changes per run.
func sortHeaders(r *extProcPb.ProcessingRequest) {
	var h *envoyCorev3.HeaderMap
	if x := r.GetRequestHeaders(); x != nil {
		h = x.Headers
	} else if x := r.GetResponseHeaders(); x != nil {
		h = x.Headers
	}
	if h != nil {
		sort.SliceStable(h.Headers, func(i, j int) bool { return h.Headers[i].Key < h.Headers[j].Key })
	}
}

func cloneAll[T proto.Message](in []T) []T {
	out := make([]T, len(in))
	for i, m := range in {
		out[i] = proto.Clone(m).(T)
	}
	return out
}

func marshalAll[T proto.Message](in []T) []json.RawMessage {
	out := make([]json.RawMessage, len(in))
	for i, m := range in {
		data, err := protojson.Marshal(m)
		if err != nil {
			fail(err)
		}
		out[i] = data // re-indented by MarshalIndent, which also removes protojson's deliberately unstable spacing
	}
	return out
}

func slug(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(s) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	return strings.Trim(b.String(), "-")
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "llmd-vectors:", err)
	os.Exit(1)
}
