"""claude-web-search-router: serve Claude Code's built-in web search from whichever backend works.

Port of CPA's ``examples/plugin/claude-web-search-router`` (Go), a ``ModelRouter`` with its own
``Executor``. It claims Claude (``claude``/``anthropic``) requests that declare a typed web-search
tool (``web_search_20250305`` or ``web_search_20260209``). With ``require_web_search_only`` (the
default) every other tool must have neither ``type`` nor ``name``; a request with other tools
still matches when ``require_web_search_only`` is off and it looks like Claude Code's web-search
helper (a system text mentioning "web search tool use" or "performing a web search", or a user
turn starting "Perform a web search for the query:").

Routes (``route``):

| Value | Behaviour |
|---|---|
| ``fallback`` (default) | The plugin's executor tries antigravity → codex → xai → tavily: built-in providers through ``host.model.*``, Tavily from the plugin. On a failure it tries the next backend within the same request; 429, 503 and 502 also deprioritise that backend on later requests (an in-memory penalty: +5 a failure, −1 a success). |
| ``antigravity_google`` / ``codex_web_search`` / ``xai_web_search`` / ``tavily`` | The same executor, with that backend only. |
| ``default_provider`` | Routed straight to the built-in provider ``default_provider``, with ``default_provider_model`` when set; not orchestrated. |

``model.route`` keeps a backend only if it can run: its provider among ``AvailableProviders``
(antigravity also needs a model: ``antigravity_model``, else one from CPA's model registry that
supports web search), Tavily with at least one key. None left declines with the reason
``web_search_fallback_exhausted``; a single route that cannot run declines with
``<backend>_unavailable`` (or ``antigravity_web_search_model_unresolved``); other route values
decline silently (they are case-sensitive; ``fallback`` is not). The models never are the
client's Claude model: codex runs ``codex_model`` or ``gpt-5.4-mini``, xai ``xai_model`` or
``grok-4.3``.

Tavily answers as Claude's server-side search would: a ``server_tool_use`` block with the query
(what follows "Perform a web search for the query:", else the last user text), a
``web_search_tool_result`` block of the hits (up to the tool's ``max_uses``, default 5), then a
text block with Tavily's answer; streamed, the same as 11 SSE events in one chunk. Keys are
used in turn.

Config (``plugins.configs.claude-web-search-router``)::

    enabled: true
    priority: 20
    route: fallback
    antigravity_model: ""   # empty: registry lookup, then first supports_web_search
    codex_model: "gpt-5.4-mini"
    xai_model: "grok-4.3"
    tavily_api_keys:
      - "tvly-xxxxxxxx"      # more keys: round-robin
    require_web_search_only: true

``enabled: false`` declines every request. ``count_tokens`` answers ``{"input_tokens":0}``.

Differences from upstream, on purpose: Tavily is called through ``host.http.do`` (CPA's HTTP
client and proxy settings; works from a bundle without ``ssl``) rather than directly, at
``https://api.tavily.com`` unless ``CPA_TAVILY_BASE_URL`` says otherwise, and its keys rotate
across requests (upstream makes a new client, so starts from the first key, for every request).
The penalty scores belong to the plugin instance rather than the process. CPA's model registry
is out of a plugin's reach (upstream's lookup reads an empty copy), so ``antigravity_models()``
supplies it: empty unless overridden. Once the host refuses a stream chunk (the client is gone)
the stream stops and closes without an error; upstream treats a refused chunk of a host backend
as that backend failing and runs the request on the remaining ones, and closes the stream with
the refusal's text. An exception inside the stream closes it with ``<ExceptionType>: <message>``
where upstream writes ``stream orchestration panic: <value>``. The stream is fed under its
``stream_id`` exactly as sent (upstream trims it). A body that is not valid JSON has no tools
here; gjson reads what it can of it.
"""

from __future__ import annotations

from typing import Final

from reference_plugins.claude_web_search_router.plugin import ClaudeWebSearchRouter

__all__ = ["HOST_CALLBACKS", "PLUGIN", "ClaudeWebSearchRouter"]

HOST_CALLBACKS: Final = (
    "host.model.execute",
    "host.model.execute_stream",
    "host.model.stream_read",
    "host.model.stream_close",
    "host.stream.emit",
    "host.stream.close",
    "host.http.do",
)

PLUGIN = ClaudeWebSearchRouter
