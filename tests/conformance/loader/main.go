// Command loader drives CPA's public plugin host (sdk/pluginhost) from a JSON scenario.
//
// It exists so that the conformance tests can let the real host judge the plugins that
// cpa-sdk builds: the host loads the .so files with its own loader, performs its own
// register/reconfigure handshake, validation and capability adaptation, and this program
// only reports what the public API then shows.
//
// Usage: loader < scenario.json > results.json
//
// A scenario is {"plugins_dir": "...", "auth_dir": "...", "steps": [ {"op": ...}, ... ]}.
// The output is {"cpa_version": "...", "results": [ {...}, ... ]}, one result per step,
// in order. Host log lines (logrus) go to stderr.
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"time"

	coreauth "github.com/router-for-me/CLIProxyAPI/v7/sdk/cliproxy/auth"
	"github.com/router-for-me/CLIProxyAPI/v7/sdk/pluginapi"
	"github.com/router-for-me/CLIProxyAPI/v7/sdk/pluginhost"
	"github.com/router-for-me/CLIProxyAPI/v7/sdk/pluginstore"
	log "github.com/sirupsen/logrus"
	"gopkg.in/yaml.v3"
)

const cpaModule = "github.com/router-for-me/CLIProxyAPI/v7"

type scenario struct {
	PluginsDir string `json:"plugins_dir"`
	AuthDir    string `json:"auth_dir"`
	// TimeoutSeconds bounds every host call of a step (default 60).
	TimeoutSeconds int    `json:"timeout_seconds"`
	Steps          []step `json:"steps"`
}

type step struct {
	Op string `json:"op"`
	// apply
	Enabled *bool             `json:"enabled,omitempty"`
	Configs map[string]string `json:"configs,omitempty"` // plugin ID -> YAML text of plugins.configs.<id>
	// unload / busy
	ID string `json:"id,omitempty"`
	// pick / parse_auth / start_login / poll_login / models_for_provider / has_auth_provider
	Request  json.RawMessage `json:"request,omitempty"`
	Provider string          `json:"provider,omitempty"`
	BaseURL  string          `json:"base_url,omitempty"`
	State    string          `json:"state,omitempty"`
	Metadata map[string]any  `json:"metadata,omitempty"`
	// models_for_auth
	Auth *authInput `json:"auth,omitempty"`
	// copy_file / remove_file (to stage a new plugin version while the host keeps running)
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	// store_install: CPA's plugin store client installs plugin ID from the registry at
	// RegistryURL into the scenario's plugins_dir; every request it makes (registry, GitHub
	// API, downloads) is sent to ServeFrom (host:port, plain HTTP) whatever its URL says.
	RegistryURL string `json:"registry_url,omitempty"`
	ServeFrom   string `json:"serve_from,omitempty"`
}

// sendTo sends every request to one local test server, keeping its path and query.
type sendTo string

func (s sendTo) RoundTrip(req *http.Request) (*http.Response, error) {
	clone := req.Clone(req.Context())
	clone.URL.Scheme = "http"
	clone.URL.Host = string(s)
	return http.DefaultTransport.RoundTrip(clone)
}

type authInput struct {
	ID         string            `json:"id"`
	Provider   string            `json:"provider"`
	Attributes map[string]string `json:"attributes,omitempty"`
	Metadata   map[string]any    `json:"metadata,omitempty"`
}

type pluginView struct {
	ID            string                            `json:"id"`
	Priority      int                               `json:"priority"`
	Metadata      pluginapi.Metadata                `json:"metadata"`
	SupportsOAuth bool                              `json:"supports_oauth"`
	OAuthProvider string                            `json:"oauth_provider"`
	Menus         []pluginhost.RegisteredPluginMenu `json:"menus"`
}

type authView struct {
	ID               string            `json:"id"`
	Provider         string            `json:"provider"`
	FileName         string            `json:"file_name"`
	Label            string            `json:"label"`
	Prefix           string            `json:"prefix"`
	ProxyURL         string            `json:"proxy_url"`
	Status           string            `json:"status"`
	Disabled         bool              `json:"disabled"`
	Attributes       map[string]string `json:"attributes"`
	Metadata         map[string]any    `json:"metadata"`
	NextRefreshAfter time.Time         `json:"next_refresh_after"`
}

func main() {
	log.SetOutput(os.Stderr)
	log.SetLevel(log.DebugLevel)
	log.SetFormatter(&log.TextFormatter{DisableColors: true, DisableTimestamp: true})

	raw, errRead := io.ReadAll(os.Stdin)
	if errRead != nil {
		fail("read scenario: %v", errRead)
	}
	var sc scenario
	if errDecode := json.Unmarshal(raw, &sc); errDecode != nil {
		fail("decode scenario: %v", errDecode)
	}
	timeout := time.Duration(sc.TimeoutSeconds) * time.Second
	if timeout <= 0 {
		timeout = 60 * time.Second
	}

	host := pluginhost.New()
	results := make([]any, 0, len(sc.Steps))
	for index, st := range sc.Steps {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		result, errStep := runStep(ctx, host, sc, st)
		cancel()
		if errStep != nil {
			fail("step %d (%s): %v", index, st.Op, errStep)
		}
		results = append(results, result)
	}
	out := map[string]any{"cpa_version": cpaVersion(), "results": results}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", " ")
	if errEncode := encoder.Encode(out); errEncode != nil {
		fail("encode results: %v", errEncode)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "loader: "+format+"\n", args...)
	os.Exit(2)
}

func cpaVersion() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return ""
	}
	for _, dep := range info.Deps {
		if dep.Path == cpaModule {
			if dep.Replace != nil {
				return dep.Replace.Version
			}
			return dep.Version
		}
	}
	return ""
}

func errText(err error) any {
	if err == nil {
		return nil
	}
	return err.Error()
}

func runStep(ctx context.Context, host *pluginhost.Host, sc scenario, st step) (any, error) {
	switch st.Op {
	case "apply":
		cfg, errCfg := runtimeConfig(sc, st)
		if errCfg != nil {
			return nil, errCfg
		}
		started := time.Now()
		host.ApplyConfig(ctx, cfg)
		return map[string]any{"op": st.Op, "elapsed_ms": time.Since(started).Milliseconds()}, nil
	case "registered":
		return map[string]any{"op": st.Op, "plugins": registered(host)}, nil
	case "has_scheduler":
		return map[string]any{"op": st.Op, "value": host.HasScheduler()}, nil
	case "has_auth_provider":
		return map[string]any{"op": st.Op, "value": host.HasAuthProvider(st.Provider)}, nil
	case "busy":
		return map[string]any{"op": st.Op, "value": host.PluginBusy(st.ID)}, nil
	case "pick":
		var req pluginapi.SchedulerPickRequest
		if errDecode := json.Unmarshal(st.Request, &req); errDecode != nil {
			return nil, fmt.Errorf("decode pick request: %w", errDecode)
		}
		resp, handled, errPick := host.PickAuth(ctx, req)
		return map[string]any{"op": st.Op, "response": resp, "handled": handled, "error": errText(errPick)}, nil
	case "parse_auth":
		var req pluginapi.AuthParseRequest
		if errDecode := json.Unmarshal(st.Request, &req); errDecode != nil {
			return nil, fmt.Errorf("decode parse request: %w", errDecode)
		}
		auths, handled, errParse := host.ParseAuths(ctx, req)
		views := make([]authView, 0, len(auths))
		for _, auth := range auths {
			views = append(views, viewAuth(auth))
		}
		single, singleHandled, errSingle := host.ParseAuth(ctx, req)
		var singleView any
		if single != nil {
			singleView = viewAuth(single)
		}
		return map[string]any{
			"op": st.Op, "handled": handled, "auths": views, "error": errText(errParse),
			"single": singleView, "single_handled": singleHandled, "single_error": errText(errSingle),
		}, nil
	case "models_for_provider":
		return map[string]any{"op": st.Op, "models": host.ModelsForProvider(st.Provider)}, nil
	case "models_for_auth":
		if st.Auth == nil {
			return nil, fmt.Errorf("models_for_auth needs auth")
		}
		auth := &coreauth.Auth{ID: st.Auth.ID, Provider: st.Auth.Provider, Attributes: st.Auth.Attributes, Metadata: st.Auth.Metadata}
		result := host.ModelsForAuth(ctx, auth)
		var updated any
		if result.Auth != nil {
			updated = viewAuth(result.Auth)
		}
		return map[string]any{
			"op": st.Op, "provider": result.Provider, "models": result.Models, "handled": result.Handled,
			"auth": updated, "error": errText(result.Err),
		}, nil
	case "start_login":
		resp, handled, errStart := host.StartLogin(ctx, st.Provider, st.BaseURL)
		return map[string]any{"op": st.Op, "response": resp, "handled": handled, "error": errText(errStart)}, nil
	case "poll_login":
		var metadata []map[string]any
		if st.Metadata != nil {
			metadata = append(metadata, st.Metadata)
		}
		resp, handled, errPoll := host.PollLogin(ctx, st.Provider, st.State, metadata...)
		auths := make([]authView, 0)
		for _, data := range append([]pluginapi.AuthData{resp.Auth}, resp.Auths...) {
			if strings.TrimSpace(data.Provider) == "" && strings.TrimSpace(data.ID) == "" {
				continue
			}
			if converted := host.AuthDataToCoreAuth(data, "", data.FileName); converted != nil {
				auths = append(auths, viewAuth(converted))
			}
		}
		return map[string]any{"op": st.Op, "response": resp, "handled": handled, "error": errText(errPoll), "converted": auths}, nil
	case "unload":
		return map[string]any{"op": st.Op, "value": host.UnloadPluginContext(ctx, st.ID)}, nil
	case "shutdown_all":
		host.ShutdownAllContext(ctx)
		return map[string]any{"op": st.Op}, nil
	case "copy_file":
		data, errRead := os.ReadFile(st.From)
		if errRead != nil {
			return nil, errRead
		}
		if errWrite := os.WriteFile(st.To, data, 0o755); errWrite != nil {
			return nil, errWrite
		}
		return map[string]any{"op": st.Op}, nil
	case "remove_file":
		errRemove := os.Remove(st.To)
		return map[string]any{"op": st.Op, "error": errText(errRemove)}, nil
	case "store_install":
		client := pluginstore.NewClient(&http.Client{Transport: sendTo(st.ServeFrom), Timeout: time.Minute}, st.RegistryURL)
		registry, errFetch := client.FetchRegistry(ctx)
		if errFetch != nil {
			return map[string]any{"op": st.Op, "error": "registry: " + errFetch.Error()}, nil
		}
		plugin, found := registry.PluginByID(st.ID)
		if !found {
			return map[string]any{"op": st.Op, "error": "plugin " + st.ID + " not in the registry"}, nil
		}
		installed, errInstall := client.Install(ctx, plugin, pluginstore.InstallOptions{PluginsDir: sc.PluginsDir})
		return map[string]any{"op": st.Op, "path": installed.Path, "version": installed.Version,
			"install_type": installed.InstallType, "release_tag": installed.ReleaseTag, "error": errText(errInstall)}, nil
	case "sleep_ms":
		var ms int
		_ = json.Unmarshal(st.Request, &ms)
		time.Sleep(time.Duration(ms) * time.Millisecond)
		return map[string]any{"op": st.Op}, nil
	default:
		return nil, fmt.Errorf("unknown op %q", st.Op)
	}
}

// runtimeConfig builds the host configuration from a step. Each plugin block is given as
// the YAML text a user would write under plugins.configs.<id>; enabled and priority are
// read from it the way CPA's config loader reads them.
func runtimeConfig(sc scenario, st step) (pluginhost.RuntimeConfig, error) {
	enabled := true
	if st.Enabled != nil {
		enabled = *st.Enabled
	}
	cfg := pluginhost.RuntimeConfig{
		Enabled: enabled,
		Dir:     sc.PluginsDir,
		AuthDir: sc.AuthDir,
		Configs: make(map[string]pluginhost.PluginInstanceConfig, len(st.Configs)),
	}
	for id, text := range st.Configs {
		var document yaml.Node
		if errParse := yaml.Unmarshal([]byte(text), &document); errParse != nil {
			return cfg, fmt.Errorf("plugin %s config: %w", id, errParse)
		}
		var node yaml.Node
		if document.Kind == yaml.DocumentNode && len(document.Content) > 0 {
			node = *document.Content[0]
		}
		var owned struct {
			Enabled  *bool `yaml:"enabled"`
			Priority int   `yaml:"priority"`
		}
		if node.Kind != 0 {
			if errDecode := node.Decode(&owned); errDecode != nil {
				return cfg, fmt.Errorf("plugin %s enabled/priority: %w", id, errDecode)
			}
		}
		if owned.Enabled == nil {
			disabled := false
			owned.Enabled = &disabled
		}
		cfg.Configs[id] = pluginhost.PluginInstanceConfig{Enabled: owned.Enabled, Priority: owned.Priority, Raw: node}
	}
	return cfg, nil
}

func registered(host *pluginhost.Host) []pluginView {
	infos := host.RegisteredPlugins()
	out := make([]pluginView, 0, len(infos))
	for _, info := range infos {
		out = append(out, pluginView{
			ID:            info.ID,
			Priority:      info.Priority,
			Metadata:      info.Metadata,
			SupportsOAuth: info.SupportsOAuth,
			OAuthProvider: info.OAuthProvider,
			Menus:         info.Menus,
		})
	}
	return out
}

func viewAuth(auth *coreauth.Auth) authView {
	return authView{
		ID:               auth.ID,
		Provider:         auth.Provider,
		FileName:         auth.FileName,
		Label:            auth.Label,
		Prefix:           auth.Prefix,
		ProxyURL:         auth.ProxyURL,
		Status:           string(auth.Status),
		Disabled:         auth.Disabled,
		Attributes:       auth.Attributes,
		Metadata:         auth.Metadata,
		NextRefreshAfter: auth.NextRefreshAfter,
	}
}
