// Command wirecheck round-trips JSON through the Go types of CLIProxyAPI's plugin API.
//
// Each stdin line is {"type":"<Go type name>","json":<raw JSON>}. The raw JSON is decoded with
// encoding/json into a fresh value of that type and encoded again. Each stdout line is
// {"json":<re-encoded value>} or {"error":"<decode error>"}, in input order.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"

	"github.com/router-for-me/CLIProxyAPI/v7/sdk/pluginapi"
)

// hostCallbackID and streamID are the fields the host's request wrappers add next to an
// embedded pluginapi type; embedding them reproduces the wrappers' JSON shape.
type hostCallbackID struct {
	HostCallbackID string `json:"host_callback_id,omitempty"`
}

type streamID struct {
	StreamID string `json:"stream_id,omitempty"`
}

var types = map[string]func() any{
	// Shared shapes.
	"Metadata":          func() any { return new(pluginapi.Metadata) },
	"ConfigField":       func() any { return new(pluginapi.ConfigField) },
	"ModelInfo":         func() any { return new(pluginapi.ModelInfo) },
	"ThinkingSupport":   func() any { return new(pluginapi.ThinkingSupport) },
	"HostConfigSummary": func() any { return new(pluginapi.HostConfigSummary) },
	"ModelAlias":        func() any { return new(pluginapi.ModelAlias) },
	"AuthData":          func() any { return new(pluginapi.AuthData) },
	// Models.
	"ModelRegistrationRequest":  func() any { return new(pluginapi.ModelRegistrationRequest) },
	"ModelRegistrationResponse": func() any { return new(pluginapi.ModelRegistrationResponse) },
	"StaticModelRequest":        func() any { return new(pluginapi.StaticModelRequest) },
	"AuthModelRequest": func() any {
		return new(struct {
			pluginapi.AuthModelRequest
			hostCallbackID
		})
	},
	"ModelResponse": func() any { return new(pluginapi.ModelResponse) },
	// Auth.
	"AuthParseRequest":  func() any { return new(pluginapi.AuthParseRequest) },
	"AuthParseResponse": func() any { return new(pluginapi.AuthParseResponse) },
	"AuthLoginStartRequest": func() any {
		return new(struct {
			pluginapi.AuthLoginStartRequest
			hostCallbackID
		})
	},
	"AuthLoginStartResponse": func() any { return new(pluginapi.AuthLoginStartResponse) },
	"AuthLoginPollRequest": func() any {
		return new(struct {
			pluginapi.AuthLoginPollRequest
			hostCallbackID
		})
	},
	"AuthLoginPollResponse": func() any { return new(pluginapi.AuthLoginPollResponse) },
	"AuthRefreshRequest": func() any {
		return new(struct {
			pluginapi.AuthRefreshRequest
			hostCallbackID
		})
	},
	"AuthRefreshResponse": func() any { return new(pluginapi.AuthRefreshResponse) },
	// Frontend auth.
	"FrontendAuthRequest":  func() any { return new(pluginapi.FrontendAuthRequest) },
	"FrontendAuthResponse": func() any { return new(pluginapi.FrontendAuthResponse) },
	// Scheduling and routing.
	"SchedulerPickRequest":   func() any { return new(pluginapi.SchedulerPickRequest) },
	"SchedulerOptions":       func() any { return new(pluginapi.SchedulerOptions) },
	"SchedulerAuthCandidate": func() any { return new(pluginapi.SchedulerAuthCandidate) },
	"SchedulerPickResponse":  func() any { return new(pluginapi.SchedulerPickResponse) },
	"ModelRouteRequest": func() any {
		return new(struct {
			pluginapi.ModelRouteRequest
			hostCallbackID
		})
	},
	"ModelRouteResponse": func() any { return new(pluginapi.ModelRouteResponse) },
	// Executor.
	"ExecutorRequest": func() any {
		return new(struct {
			pluginapi.ExecutorRequest
			streamID
			hostCallbackID
		})
	},
	"ExecutorResponse":    func() any { return new(pluginapi.ExecutorResponse) },
	"ExecutorStreamChunk": func() any { return new(pluginapi.ExecutorStreamChunk) },
	"ExecutorHTTPRequest": func() any {
		return new(struct {
			pluginapi.ExecutorHTTPRequest
			hostCallbackID
		})
	},
	"ExecutorHTTPResponse": func() any { return new(pluginapi.ExecutorHTTPResponse) },
	// Transforms.
	"RequestTransformRequest":  func() any { return new(pluginapi.RequestTransformRequest) },
	"ResponseTransformRequest": func() any { return new(pluginapi.ResponseTransformRequest) },
	"PayloadResponse":          func() any { return new(pluginapi.PayloadResponse) },
	// Interceptors and lifecycle events.
	"RequestInterceptRequest": func() any {
		return new(struct {
			pluginapi.RequestInterceptRequest
			hostCallbackID
		})
	},
	"RequestInterceptResponse": func() any { return new(pluginapi.RequestInterceptResponse) },
	"RequestCompletion": func() any {
		return new(struct {
			pluginapi.RequestCompletion
			hostCallbackID
		})
	},
	"ResponseInterceptRequest": func() any {
		return new(struct {
			pluginapi.ResponseInterceptRequest
			hostCallbackID
		})
	},
	"ResponseInterceptResponse": func() any { return new(pluginapi.ResponseInterceptResponse) },
	"StreamChunkInterceptRequest": func() any {
		return new(struct {
			pluginapi.StreamChunkInterceptRequest
			hostCallbackID
		})
	},
	"StreamChunkInterceptResponse": func() any { return new(pluginapi.StreamChunkInterceptResponse) },
	// Thinking.
	"ThinkingConfig": func() any { return new(pluginapi.ThinkingConfig) },
	"ThinkingApplyRequest": func() any {
		return new(struct {
			pluginapi.ThinkingApplyRequest
			hostCallbackID
		})
	},
	// Usage.
	"UsageRecord":  func() any { return new(pluginapi.UsageRecord) },
	"UsageFailure": func() any { return new(pluginapi.UsageFailure) },
	"UsageDetail":  func() any { return new(pluginapi.UsageDetail) },
	// Command line.
	"CommandLineRegistrationRequest":  func() any { return new(pluginapi.CommandLineRegistrationRequest) },
	"CommandLineRegistrationResponse": func() any { return new(pluginapi.CommandLineRegistrationResponse) },
	"CommandLineFlag":                 func() any { return new(pluginapi.CommandLineFlag) },
	"CommandLineFlagValue":            func() any { return new(pluginapi.CommandLineFlagValue) },
	"CommandLineExecutionRequest":     func() any { return new(pluginapi.CommandLineExecutionRequest) },
	"CommandLineExecutionResponse":    func() any { return new(pluginapi.CommandLineExecutionResponse) },
	// Management.
	"ManagementRegistrationRequest":  func() any { return new(pluginapi.ManagementRegistrationRequest) },
	"ManagementRegistrationResponse": func() any { return new(pluginapi.ManagementRegistrationResponse) },
	"ManagementRoute":                func() any { return new(pluginapi.ManagementRoute) },
	"ResourceRoute":                  func() any { return new(pluginapi.ResourceRoute) },
	"ManagementRequest": func() any {
		return new(struct {
			pluginapi.ManagementRequest
			hostCallbackID
		})
	},
	"ManagementResponse": func() any { return new(pluginapi.ManagementResponse) },
	// Host callbacks.
	"HTTPRequest":  func() any { return new(pluginapi.HTTPRequest) },
	"HTTPResponse": func() any { return new(pluginapi.HTTPResponse) },
	"HostModelExecutionRequest": func() any {
		return new(struct {
			pluginapi.HostModelExecutionRequest
			hostCallbackID
		})
	},
	"HostModelExecutionResponse":  func() any { return new(pluginapi.HostModelExecutionResponse) },
	"HostModelStreamResponse":     func() any { return new(pluginapi.HostModelStreamResponse) },
	"HostModelStreamReadRequest":  func() any { return new(pluginapi.HostModelStreamReadRequest) },
	"HostModelStreamReadResponse": func() any { return new(pluginapi.HostModelStreamReadResponse) },
	"HostModelStreamCloseRequest": func() any { return new(pluginapi.HostModelStreamCloseRequest) },
	"HostRecentRequestEntry":      func() any { return new(pluginapi.HostRecentRequestEntry) },
	"HostAuthFileEntry":           func() any { return new(pluginapi.HostAuthFileEntry) },
	"HostAuthGetRequest":          func() any { return new(pluginapi.HostAuthGetRequest) },
	"HostAuthGetResponse":         func() any { return new(pluginapi.HostAuthGetResponse) },
	"HostAuthGetRuntimeResponse":  func() any { return new(pluginapi.HostAuthGetRuntimeResponse) },
	"HostAuthSaveRequest":         func() any { return new(pluginapi.HostAuthSaveRequest) },
	"HostAuthSaveResponse":        func() any { return new(pluginapi.HostAuthSaveResponse) },
}

type input struct {
	Type string          `json:"type"`
	JSON json.RawMessage `json:"json"`
}

type output struct {
	JSON  json.RawMessage `json:"json,omitempty"`
	Error string          `json:"error,omitempty"`
}

func roundTrip(line []byte) output {
	var in input
	if err := json.Unmarshal(line, &in); err != nil {
		return output{Error: "bad input line: " + err.Error()}
	}
	newValue, ok := types[in.Type]
	if !ok {
		return output{Error: "unknown type " + in.Type}
	}
	value := newValue()
	if err := json.Unmarshal(in.JSON, value); err != nil {
		return output{Error: err.Error()}
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		return output{Error: "marshal: " + err.Error()}
	}
	return output{JSON: encoded}
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-types" {
		for name := range types {
			fmt.Println(name)
		}
		return
	}
	scanner := bufio.NewScanner(os.Stdin)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	writer := bufio.NewWriter(os.Stdout)
	encoder := json.NewEncoder(writer)
	for scanner.Scan() {
		if err := encoder.Encode(roundTrip(scanner.Bytes())); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := writer.Flush(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
	}
	if err := scanner.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
