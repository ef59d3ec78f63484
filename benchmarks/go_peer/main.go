// Command go_peer is the Go c-shared peer of the benchmarks: it does what CPA's
// codex-service-tier example does, the way a Go plugin author would write it.
//
// request.normalize decodes the request with encoding/json; with config "fast: true", a request
// for the codex format (any case) and model "gpt-5.5" gets "service_tier":"priority" set with
// sjson; the answer is {"ok":true,"result":{"Body":<base64>}}. plugin.register and
// plugin.reconfigure read the config from config_yaml. Everything else is an unknown method.
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
	"encoding/json"
	"strings"
	"sync/atomic"
	"unsafe"

	"github.com/tidwall/sjson"
	"gopkg.in/yaml.v3"
)

var fast atomic.Bool

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
	"capabilities": map[string]bool{"request_normalizer": true},
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
			Fast bool `yaml:"fast"`
		}
		if err := yaml.Unmarshal(req.ConfigYAML, &cfg); err != nil {
			return fail("invalid_config", err.Error())
		}
		fast.Store(cfg.Fast)
		return ok(registration)
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
