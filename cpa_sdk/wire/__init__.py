"""Wire models of every CPA v7.2.140 (RPC schema 3) request and result.

Each model is a Go struct as ``encoding/json`` sees it (see ``_go``): build models with snake_case
names, put them on the wire with ``encode()`` and read them with ``decode()``.

Families and modules:

* ``common``: shapes shared by many methods (``Metadata``, ``ModelInfo``, ``AuthData``, ...)
* ``lifecycle``: ``plugin.register``/``reconfigure``/``shutdown``, capability flags, empty and
  identifier shapes
* ``models``: ``model.register``, ``model.static``, ``model.for_auth``
* ``auth``: ``auth.parse``, ``auth.login.start``/``poll``, ``auth.refresh``
* ``frontend_auth``: ``frontend_auth.authenticate``
* ``scheduling``: ``scheduler.pick``, ``model.route``
* ``executor``: ``executor.*``
* ``transform``: ``request.translate``/``normalize``, ``response.translate``/``normalize_*``
* ``intercept``: ``request.intercept_*``, ``request.complete``, ``response.intercept_*``
* ``thinking``: ``thinking.apply``
* ``usage``: ``usage.handle``
* ``command_line``: ``command_line.register``/``execute``
* ``management``: ``management.register``/``handle``
* ``host``: the ``host.*`` callbacks
* ``methods``: ``METHODS``, the table of all 52 methods and their models

Importing this package loads no model module: each name is imported on first use, so a plugin
pays at start-up only for the models it touches (CPA waits for ``plugin.register`` while it holds
its apply lock). ``_EXPORTS`` is the one list of names; the ``TYPE_CHECKING`` block repeats it for
type checkers, and a test keeps the two equal.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from cpa_sdk.wire._go import (
        GoModel as GoModel,
        WireDecodeError as WireDecodeError,
        decode as decode,
        encode as encode,
    )
    from cpa_sdk.wire.auth import (
        AUTH_LOGIN_STATUS_ERROR as AUTH_LOGIN_STATUS_ERROR,
        AUTH_LOGIN_STATUS_PENDING as AUTH_LOGIN_STATUS_PENDING,
        AUTH_LOGIN_STATUS_SUCCESS as AUTH_LOGIN_STATUS_SUCCESS,
        AuthLoginPollRequest as AuthLoginPollRequest,
        AuthLoginPollResponse as AuthLoginPollResponse,
        AuthLoginStartRequest as AuthLoginStartRequest,
        AuthLoginStartResponse as AuthLoginStartResponse,
        AuthLoginStatus as AuthLoginStatus,
        AuthParseRequest as AuthParseRequest,
        AuthParseResponse as AuthParseResponse,
        AuthRefreshRequest as AuthRefreshRequest,
        AuthRefreshResponse as AuthRefreshResponse,
    )
    from cpa_sdk.wire.command_line import (
        CommandLineExecutionRequest as CommandLineExecutionRequest,
        CommandLineExecutionResponse as CommandLineExecutionResponse,
        CommandLineFlag as CommandLineFlag,
        CommandLineFlagValue as CommandLineFlagValue,
        CommandLineRegistrationRequest as CommandLineRegistrationRequest,
        CommandLineRegistrationResponse as CommandLineRegistrationResponse,
    )
    from cpa_sdk.wire.common import (
        CONFIG_FIELD_TYPE_ARRAY as CONFIG_FIELD_TYPE_ARRAY,
        CONFIG_FIELD_TYPE_BOOLEAN as CONFIG_FIELD_TYPE_BOOLEAN,
        CONFIG_FIELD_TYPE_ENUM as CONFIG_FIELD_TYPE_ENUM,
        CONFIG_FIELD_TYPE_INTEGER as CONFIG_FIELD_TYPE_INTEGER,
        CONFIG_FIELD_TYPE_NUMBER as CONFIG_FIELD_TYPE_NUMBER,
        CONFIG_FIELD_TYPE_OBJECT as CONFIG_FIELD_TYPE_OBJECT,
        CONFIG_FIELD_TYPE_STRING as CONFIG_FIELD_TYPE_STRING,
        AuthData as AuthData,
        ConfigField as ConfigField,
        ConfigFieldType as ConfigFieldType,
        HostConfigSummary as HostConfigSummary,
        Metadata as Metadata,
        ModelAlias as ModelAlias,
        ModelInfo as ModelInfo,
        ThinkingSupport as ThinkingSupport,
    )
    from cpa_sdk.wire.executor import (
        ExecutorHTTPRequest as ExecutorHTTPRequest,
        ExecutorHTTPResponse as ExecutorHTTPResponse,
        ExecutorRequest as ExecutorRequest,
        ExecutorResponse as ExecutorResponse,
        ExecutorStreamChunk as ExecutorStreamChunk,
        ExecutorStreamResponse as ExecutorStreamResponse,
    )
    from cpa_sdk.wire.frontend_auth import (
        FrontendAuthRequest as FrontendAuthRequest,
        FrontendAuthResponse as FrontendAuthResponse,
    )
    from cpa_sdk.wire.host import (
        LOG_LEVEL_DEBUG as LOG_LEVEL_DEBUG,
        LOG_LEVEL_ERROR as LOG_LEVEL_ERROR,
        LOG_LEVEL_INFO as LOG_LEVEL_INFO,
        LOG_LEVEL_TRACE as LOG_LEVEL_TRACE,
        LOG_LEVEL_WARN as LOG_LEVEL_WARN,
        HostAuthFileEntry as HostAuthFileEntry,
        HostAuthGetRequest as HostAuthGetRequest,
        HostAuthGetResponse as HostAuthGetResponse,
        HostAuthGetRuntimeResponse as HostAuthGetRuntimeResponse,
        HostAuthListResponse as HostAuthListResponse,
        HostAuthSaveRequest as HostAuthSaveRequest,
        HostAuthSaveResponse as HostAuthSaveResponse,
        HostHTTPRequest as HostHTTPRequest,
        HostHTTPStreamReadResponse as HostHTTPStreamReadResponse,
        HostHTTPStreamResponse as HostHTTPStreamResponse,
        HostLogLevel as HostLogLevel,
        HostLogRequest as HostLogRequest,
        HostModelExecutionRequest as HostModelExecutionRequest,
        HostModelExecutionResponse as HostModelExecutionResponse,
        HostModelStreamReadResponse as HostModelStreamReadResponse,
        HostModelStreamResponse as HostModelStreamResponse,
        HostRecentRequestEntry as HostRecentRequestEntry,
        HostStreamCloseRequest as HostStreamCloseRequest,
        HostStreamEmitRequest as HostStreamEmitRequest,
        HTTPResponse as HTTPResponse,
        StreamIDRequest as StreamIDRequest,
    )
    from cpa_sdk.wire.intercept import (
        REQUEST_COMPLETION_CANCELED as REQUEST_COMPLETION_CANCELED,
        REQUEST_COMPLETION_FAILED as REQUEST_COMPLETION_FAILED,
        REQUEST_COMPLETION_REJECTED as REQUEST_COMPLETION_REJECTED,
        REQUEST_COMPLETION_SUCCEEDED as REQUEST_COMPLETION_SUCCEEDED,
        STREAM_CHUNK_HEADER_INIT_INDEX as STREAM_CHUNK_HEADER_INIT_INDEX,
        RequestCompletion as RequestCompletion,
        RequestCompletionOutcome as RequestCompletionOutcome,
        RequestInterceptRequest as RequestInterceptRequest,
        RequestInterceptResponse as RequestInterceptResponse,
        ResponseInterceptRequest as ResponseInterceptRequest,
        ResponseInterceptResponse as ResponseInterceptResponse,
        StreamChunkInterceptRequest as StreamChunkInterceptRequest,
        StreamChunkInterceptResponse as StreamChunkInterceptResponse,
    )
    from cpa_sdk.wire.lifecycle import (
        EXECUTOR_MODEL_SCOPE_BOTH as EXECUTOR_MODEL_SCOPE_BOTH,
        EXECUTOR_MODEL_SCOPE_OAUTH as EXECUTOR_MODEL_SCOPE_OAUTH,
        EXECUTOR_MODEL_SCOPE_STATIC as EXECUTOR_MODEL_SCOPE_STATIC,
        SCHEMA_VERSION as SCHEMA_VERSION,
        CapabilityFlags as CapabilityFlags,
        EmptyRequest as EmptyRequest,
        EmptyResponse as EmptyResponse,
        ExecutorModelScope as ExecutorModelScope,
        IdentifierResponse as IdentifierResponse,
        LifecycleRequest as LifecycleRequest,
        Registration as Registration,
    )
    from cpa_sdk.wire.management import (
        ManagementRegistrationRequest as ManagementRegistrationRequest,
        ManagementRegistrationResponse as ManagementRegistrationResponse,
        ManagementRequest as ManagementRequest,
        ManagementResponse as ManagementResponse,
        ManagementRoute as ManagementRoute,
        ResourceRoute as ResourceRoute,
    )
    from cpa_sdk.wire.methods import (
        METHODS as METHODS,
        MethodWire as MethodWire,
    )
    from cpa_sdk.wire.models import (
        AuthModelRequest as AuthModelRequest,
        ModelRegistrationRequest as ModelRegistrationRequest,
        ModelRegistrationResponse as ModelRegistrationResponse,
        ModelResponse as ModelResponse,
        StaticModelRequest as StaticModelRequest,
    )
    from cpa_sdk.wire.scheduling import (
        MODEL_ROUTE_TARGET_EXECUTOR as MODEL_ROUTE_TARGET_EXECUTOR,
        MODEL_ROUTE_TARGET_PROVIDER as MODEL_ROUTE_TARGET_PROVIDER,
        MODEL_ROUTE_TARGET_SELF as MODEL_ROUTE_TARGET_SELF,
        SCHEDULER_BUILTIN_FILL_FIRST as SCHEDULER_BUILTIN_FILL_FIRST,
        SCHEDULER_BUILTIN_ROUND_ROBIN as SCHEDULER_BUILTIN_ROUND_ROBIN,
        ModelRouteRequest as ModelRouteRequest,
        ModelRouteResponse as ModelRouteResponse,
        ModelRouteTargetKind as ModelRouteTargetKind,
        SchedulerAuthCandidate as SchedulerAuthCandidate,
        SchedulerBuiltin as SchedulerBuiltin,
        SchedulerOptions as SchedulerOptions,
        SchedulerPickRequest as SchedulerPickRequest,
        SchedulerPickResponse as SchedulerPickResponse,
    )
    from cpa_sdk.wire.thinking import (
        THINKING_MODE_AUTO as THINKING_MODE_AUTO,
        THINKING_MODE_BUDGET as THINKING_MODE_BUDGET,
        THINKING_MODE_LEVEL as THINKING_MODE_LEVEL,
        THINKING_MODE_NONE as THINKING_MODE_NONE,
        ThinkingApplyRequest as ThinkingApplyRequest,
        ThinkingConfig as ThinkingConfig,
        ThinkingMode as ThinkingMode,
    )
    from cpa_sdk.wire.transform import (
        PayloadResponse as PayloadResponse,
        RequestTransformRequest as RequestTransformRequest,
        ResponseTransformRequest as ResponseTransformRequest,
    )
    from cpa_sdk.wire.usage import (
        UsageDetail as UsageDetail,
        UsageFailure as UsageFailure,
        UsageRecord as UsageRecord,
    )

_EXPORTS: Final[dict[str, tuple[str, ...]]] = {
    "_go": (
        "GoModel",
        "WireDecodeError",
        "decode",
        "encode",
    ),
    "common": (
        "AuthData",
        "CONFIG_FIELD_TYPE_ARRAY",
        "CONFIG_FIELD_TYPE_BOOLEAN",
        "CONFIG_FIELD_TYPE_ENUM",
        "CONFIG_FIELD_TYPE_INTEGER",
        "CONFIG_FIELD_TYPE_NUMBER",
        "CONFIG_FIELD_TYPE_OBJECT",
        "CONFIG_FIELD_TYPE_STRING",
        "ConfigField",
        "ConfigFieldType",
        "HostConfigSummary",
        "Metadata",
        "ModelAlias",
        "ModelInfo",
        "ThinkingSupport",
    ),
    "lifecycle": (
        "CapabilityFlags",
        "EXECUTOR_MODEL_SCOPE_BOTH",
        "EXECUTOR_MODEL_SCOPE_OAUTH",
        "EXECUTOR_MODEL_SCOPE_STATIC",
        "EmptyRequest",
        "EmptyResponse",
        "ExecutorModelScope",
        "IdentifierResponse",
        "LifecycleRequest",
        "Registration",
        "SCHEMA_VERSION",
    ),
    "models": (
        "AuthModelRequest",
        "ModelRegistrationRequest",
        "ModelRegistrationResponse",
        "ModelResponse",
        "StaticModelRequest",
    ),
    "auth": (
        "AUTH_LOGIN_STATUS_ERROR",
        "AUTH_LOGIN_STATUS_PENDING",
        "AUTH_LOGIN_STATUS_SUCCESS",
        "AuthLoginPollRequest",
        "AuthLoginPollResponse",
        "AuthLoginStartRequest",
        "AuthLoginStartResponse",
        "AuthLoginStatus",
        "AuthParseRequest",
        "AuthParseResponse",
        "AuthRefreshRequest",
        "AuthRefreshResponse",
    ),
    "frontend_auth": (
        "FrontendAuthRequest",
        "FrontendAuthResponse",
    ),
    "scheduling": (
        "MODEL_ROUTE_TARGET_EXECUTOR",
        "MODEL_ROUTE_TARGET_PROVIDER",
        "MODEL_ROUTE_TARGET_SELF",
        "ModelRouteRequest",
        "ModelRouteResponse",
        "ModelRouteTargetKind",
        "SCHEDULER_BUILTIN_FILL_FIRST",
        "SCHEDULER_BUILTIN_ROUND_ROBIN",
        "SchedulerAuthCandidate",
        "SchedulerBuiltin",
        "SchedulerOptions",
        "SchedulerPickRequest",
        "SchedulerPickResponse",
    ),
    "executor": (
        "ExecutorHTTPRequest",
        "ExecutorHTTPResponse",
        "ExecutorRequest",
        "ExecutorResponse",
        "ExecutorStreamChunk",
        "ExecutorStreamResponse",
    ),
    "transform": (
        "PayloadResponse",
        "RequestTransformRequest",
        "ResponseTransformRequest",
    ),
    "intercept": (
        "REQUEST_COMPLETION_CANCELED",
        "REQUEST_COMPLETION_FAILED",
        "REQUEST_COMPLETION_REJECTED",
        "REQUEST_COMPLETION_SUCCEEDED",
        "RequestCompletion",
        "RequestCompletionOutcome",
        "RequestInterceptRequest",
        "RequestInterceptResponse",
        "ResponseInterceptRequest",
        "ResponseInterceptResponse",
        "STREAM_CHUNK_HEADER_INIT_INDEX",
        "StreamChunkInterceptRequest",
        "StreamChunkInterceptResponse",
    ),
    "thinking": (
        "THINKING_MODE_AUTO",
        "THINKING_MODE_BUDGET",
        "THINKING_MODE_LEVEL",
        "THINKING_MODE_NONE",
        "ThinkingApplyRequest",
        "ThinkingConfig",
        "ThinkingMode",
    ),
    "usage": (
        "UsageDetail",
        "UsageFailure",
        "UsageRecord",
    ),
    "command_line": (
        "CommandLineExecutionRequest",
        "CommandLineExecutionResponse",
        "CommandLineFlag",
        "CommandLineFlagValue",
        "CommandLineRegistrationRequest",
        "CommandLineRegistrationResponse",
    ),
    "management": (
        "ManagementRegistrationRequest",
        "ManagementRegistrationResponse",
        "ManagementRequest",
        "ManagementResponse",
        "ManagementRoute",
        "ResourceRoute",
    ),
    "host": (
        "HTTPResponse",
        "HostAuthFileEntry",
        "HostAuthGetRequest",
        "HostAuthGetResponse",
        "HostAuthGetRuntimeResponse",
        "HostAuthListResponse",
        "HostAuthSaveRequest",
        "HostAuthSaveResponse",
        "HostHTTPRequest",
        "HostHTTPStreamReadResponse",
        "HostHTTPStreamResponse",
        "HostLogLevel",
        "HostLogRequest",
        "HostModelExecutionRequest",
        "HostModelExecutionResponse",
        "HostModelStreamReadResponse",
        "HostModelStreamResponse",
        "HostRecentRequestEntry",
        "HostStreamCloseRequest",
        "HostStreamEmitRequest",
        "LOG_LEVEL_DEBUG",
        "LOG_LEVEL_ERROR",
        "LOG_LEVEL_INFO",
        "LOG_LEVEL_TRACE",
        "LOG_LEVEL_WARN",
        "StreamIDRequest",
    ),
    "methods": (
        "METHODS",
        "MethodWire",
    ),
}

_MODULE_OF: Final = {name: module for module, names in _EXPORTS.items() for name in names}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__
