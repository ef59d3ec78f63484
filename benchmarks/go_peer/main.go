// Command go_peer is the Go c-shared peer of the benchmarks: it does what the Python plugins of
// each benchmark row do, the way a Go plugin author would write it (encoding/json, sjson, and
// structs shaped like CPA's sdk/pluginapi types: no JSON tags, so PascalCase keys).
//
//   - request.normalize (codex-service-tier): with config "fast: true", a request for the codex
//     format (any case) and model "gpt-5.5" gets "service_tier":"priority" set with sjson.
//   - scheduler.pick (CPA's scheduler example): config auth_id picks that candidate when present.
//   - response.intercept_stream_chunk: a chunk naming the upstream model names the model the
//     client asked for instead (bytes.ReplaceAll); other chunks pass unchanged.
//   - usage.handle: adds the record's tokens to per-model totals under a mutex.
//   - response.normalize_after: sets the body's top-level "model" to the request's model (sjson).
//
// plugin.register and plugin.reconfigure read the config from config_yaml. Everything else is an
// unknown method.
package main

/*
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef struct { void* ptr; size_t len; } cliproxy_buffer;
typedef struct { uint32_t abi_version; void* host_ctx; void* call; void* free_buffer; } cliproxy_host_api;
typedef struct { uint32_t abi_version; void* call; void* free_buffer; void* shutdown; } cliproxy_plugin_api;

extern int goPeerCall(char*, uint8_t*, size_t, cliproxy_buffer*);
extern void goPeerFree(void*, size_t);
extern void goPeerShutdown(void);

static void go_peer_fill(cliproxy_plugin_api* p) {
	p->abi_version = 1;
	p->call = (void*)goPeerCall;
	p->free_buffer = (void*)goPeerFree;
	p->shutdown = (void*)goPeerShutdown;
}
*/
import "C"

import (
	"bytes"
	"encoding/json"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/tidwall/sjson"
	"gopkg.in/yaml.v3"
)

var (
	fast   atomic.Bool
	authID atomic.Value // string

	usageMu     sync.Mutex
	usageTotals = map[string]*UsageDetail{}
)

// The pluginapi shapes (sdk/pluginapi/types.go of CPA v7.2.140), as an upstream plugin declares them.

type ConfigField struct {
	Name        string
	Type        string
	EnumValues  []string
	Description string
}

type Metadata struct {
	Name             string
	Version          string
	Author           string
	GitHubRepository string
	Logo             string
	ConfigFields     []ConfigField
}

type SchedulerOptions struct {
	Headers  map[string][]string
	Metadata map[string]any
}

type SchedulerAuthCandidate struct {
	ID         string
	Provider   string
	Priority   int
	Status     string
	Attributes map[string]string
	Metadata   map[string]any
}

type SchedulerPickRequest struct {
	Plugin     Metadata
	Provider   string
	Providers  []string
	Model      string
	Stream     bool
	Options    SchedulerOptions
	Candidates []SchedulerAuthCandidate
}

type SchedulerPickResponse struct {
	AuthID          string
	DelegateBuiltin string
	Handled         bool
}

type StreamChunkInterceptRequest struct {
	RequestID       string
	SourceFormat    string
	Model           string
	RequestedModel  string
	RequestHeaders  map[string][]string
	ResponseHeaders map[string][]string
	OriginalRequest []byte
	RequestBody     []byte
	Body            []byte
	HistoryChunks   [][]byte
	ChunkIndex      int
	Metadata        map[string]any
	HostCallbackID  string `json:"host_callback_id"`
}

type StreamChunkInterceptResponse struct {
	Headers      map[string][]string
	Body         []byte
	ClearHeaders []string
	DropChunk    bool
}

type UsageFailure struct {
	StatusCode int
	Body       string
}

type UsageDetail struct {
	InputTokens         int64
	OutputTokens        int64
	ReasoningTokens     int64
	CachedTokens        int64
	CacheReadTokens     int64
	CacheCreationTokens int64
	TotalTokens         int64
}

type UsageRecord struct {
	Provider        string
	ExecutorType    string
	Model           string
	Alias           string
	APIKey          string
	AuthID          string
	AuthIndex       string
	AuthType        string
	Source          string
	ReasoningEffort string
	ServiceTier     string
	Generate        bool
	RequestedAt     time.Time
	Latency         time.Duration
	TTFT            time.Duration
	Failed          bool
	Failure         UsageFailure
	Detail          UsageDetail
	ResponseHeaders map[string][]string
}

type ResponseTransformRequest struct {
	FromFormat        string
	ToFormat          string
	Model             string
	Stream            bool
	OriginalRequest   []byte
	TranslatedRequest []byte
	Body              []byte
}

type lifecycleRequest struct {
	ConfigYAML []byte `json:"config_yaml"`
}

type transformRequest struct {
	FromFormat string
	ToFormat   string
	Model      string
	Stream     bool
	Body       []byte
}

type payload struct {
	Body []byte
}

type okEnvelope struct {
	OK     bool `json:"ok"`
	Result any  `json:"result"`
}

type errorEnvelope struct {
	OK    bool `json:"ok"`
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

var registration = map[string]any{
	"schema_version": 1,
	"metadata": map[string]any{
		"Name":             "codex-service-tier-go-peer",
		"Version":          "0.1.0",
		"Author":           "cpa-sdk benchmarks",
		"GitHubRepository": "https://github.com/router-for-me/CLIProxyAPI",
	},
	"capabilities": map[string]bool{"request_normalizer": true, "scheduler": true, "response_stream_interceptor": true,
		"usage_plugin": true, "response_after_translator": true},
}

func fail(code, message string) []byte {
	var env errorEnvelope
	env.Error.Code, env.Error.Message = code, message
	out, _ := json.Marshal(env)
	return out
}

func ok(result any) []byte {
	out, err := json.Marshal(okEnvelope{OK: true, Result: result})
	if err != nil {
		return fail("plugin_error", err.Error())
	}
	return out
}

func handle(method string, request []byte) []byte {
	switch method {
	case "plugin.register", "plugin.reconfigure":
		var req lifecycleRequest
		if err := json.Unmarshal(request, &req); err != nil {
			return fail("invalid_request", err.Error())
		}
		var cfg struct {
			Fast   bool   `yaml:"fast"`
			AuthID string `yaml:"auth_id"`
		}
		if err := yaml.Unmarshal(req.ConfigYAML, &cfg); err != nil {
			return fail("invalid_config", err.Error())
		}
		fast.Store(cfg.Fast)
		authID.Store(strings.TrimSpace(cfg.AuthID))
		return ok(registration)
	case "scheduler.pick":
		var req SchedulerPickRequest
		if err := json.Unmarshal(request, &req); err != nil {
			return fail("plugin_error", err.Error())
		}
		want, _ := authID.Load().(string)
		for _, candidate := range req.Candidates {
			if want != "" && candidate.ID == want {
				return ok(SchedulerPickResponse{AuthID: want, Handled: true})
			}
		}
		return ok(SchedulerPickResponse{})
	case "response.intercept_stream_chunk":
		var req StreamChunkInterceptRequest
		if err := json.Unmarshal(request, &req); err != nil {
			return fail("plugin_error", err.Error())
		}
		if req.RequestedModel != "" && req.RequestedModel != req.Model {
			upstream := []byte(`"model":"` + req.Model + `"`)
			if bytes.Contains(req.Body, upstream) {
				body := bytes.ReplaceAll(req.Body, upstream, []byte(`"model":"`+req.RequestedModel+`"`))
				return ok(StreamChunkInterceptResponse{Body: body})
			}
		}
		return ok(StreamChunkInterceptResponse{})
	case "usage.handle":
		var record UsageRecord
		if err := json.Unmarshal(request, &record); err != nil {
			return fail("plugin_error", err.Error())
		}
		usageMu.Lock()
		total := usageTotals[record.Model]
		if total == nil {
			total = &UsageDetail{}
			usageTotals[record.Model] = total
		}
		total.InputTokens += record.Detail.InputTokens
		total.OutputTokens += record.Detail.OutputTokens
		total.TotalTokens += record.Detail.TotalTokens
		usageMu.Unlock()
		return ok(struct{}{})
	case "response.normalize_after":
		var req ResponseTransformRequest
		if err := json.Unmarshal(request, &req); err != nil {
			return fail("plugin_error", err.Error())
		}
		body := req.Body
		if req.Model != "" {
			if edited, err := sjson.SetBytes(body, "model", req.Model); err == nil {
				body = edited
			}
		}
		return ok(payload{Body: body})
	case "request.normalize":
		var req transformRequest
		if err := json.Unmarshal(request, &req); err != nil {
			return fail("invalid_request", err.Error())
		}
		body := req.Body
		if fast.Load() && strings.EqualFold(req.ToFormat, "codex") && req.Model == "gpt-5.5" {
			if edited, err := sjson.SetBytes(body, "service_tier", "priority"); err == nil {
				body = edited
			}
		}
		return ok(payload{Body: body})
	default:
		return fail("unknown_method", "unknown method: "+method)
	}
}

//export goPeerCall
func goPeerCall(method *C.char, request *C.uint8_t, requestLen C.size_t, response *C.cliproxy_buffer) C.int {
	if response == nil {
		return 1
	}
	response.ptr, response.len = nil, 0
	rc := C.int(0)
	var out []byte
	if method == nil {
		out, rc = fail("invalid_method", "method is required"), 1
	} else {
		var req []byte
		if request != nil && requestLen > 0 {
			req = C.GoBytes(unsafe.Pointer(request), C.int(requestLen))
		}
		out = handle(C.GoString(method), req)
	}
	response.ptr = C.CBytes(out)
	response.len = C.size_t(len(out))
	return rc
}

//export goPeerFree
func goPeerFree(ptr unsafe.Pointer, _ C.size_t) {
	C.free(ptr)
}

//export goPeerShutdown
func goPeerShutdown() {}

//export cliproxy_plugin_init
func cliproxy_plugin_init(_ *C.cliproxy_host_api, plugin *C.cliproxy_plugin_api) C.int {
	if plugin == nil {
		return 1
	}
	C.go_peer_fill(plugin)
	return 0
}

func main() {}
