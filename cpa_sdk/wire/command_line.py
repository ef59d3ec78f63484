"""``command_line.register`` and ``command_line.execute`` (protocol §5.16)."""

from cpa_sdk.wire._go import GoBytes, GoModel, go_field
from cpa_sdk.wire._types import GoInt
from cpa_sdk.wire.common import AuthData, HostConfigSummary, Metadata

__all__ = [
    "CommandLineExecutionRequest",
    "CommandLineExecutionResponse",
    "CommandLineFlag",
    "CommandLineFlagValue",
    "CommandLineRegistrationRequest",
    "CommandLineRegistrationResponse",
]


class CommandLineRegistrationRequest(GoModel):
    """Request of ``command_line.register``: sent once at bootstrap, before flags are parsed."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")


class CommandLineFlag(GoModel):
    """A flag the plugin adds to the CPA command line. Invalid or clashing flags are skipped."""

    name: str = go_field("Name", "", description="Without dashes; not 'help'/'h', no whitespace or '='.")
    usage: str = go_field("Usage", "", description="Text shown by -help.")
    type: str = go_field("Type", "", description="bool (default), string, int, int64, float64 or duration.")
    default_value: str = go_field("DefaultValue", "", description="Must parse as Type; '' is the zero value.")


class CommandLineRegistrationResponse(GoModel):
    """Result of ``command_line.register``."""

    flags: list[CommandLineFlag] | None = go_field("Flags", None)


class CommandLineFlagValue(GoModel):
    """A parsed flag as the host sees it."""

    name: str = go_field("Name", "", description="Flag name without dashes.")
    type: str = go_field("Type", "", description="Plugin flag type; '' for built-in flags.")
    value: str = go_field("Value", "", description="Parsed value as text.")
    set: bool = go_field("Set", False, description="Whether the user gave the flag; always false for built-ins.")


class CommandLineExecutionRequest(GoModel):
    """Request of ``command_line.execute``: one of this plugin's flags was given. CPA exits after it."""

    plugin: Metadata = go_field("Plugin", default_factory=Metadata, description="The plugin's own metadata.")
    program: str = go_field("Program", "", description="os.Args[0].")
    args: list[str] | None = go_field("Args", None, description="Every argument after Program.")
    config_path: str = go_field("ConfigPath", "", description="Effective configuration file path.")
    host: HostConfigSummary = go_field("Host", default_factory=HostConfigSummary)
    flags: dict[str, CommandLineFlagValue] | None = go_field(
        "Flags", None, description="Every registered flag, built-in ones (and their values) included."
    )
    triggered_flags: dict[str, CommandLineFlagValue] | None = go_field(
        "TriggeredFlags", None, description="This plugin's flags that were given."
    )


class CommandLineExecutionResponse(GoModel):
    """Result of ``command_line.execute``. With ``ExitCode`` 0 the ``Auths`` are saved; a non-zero
    ``ExitCode`` becomes the process exit status."""

    stdout: GoBytes = go_field("Stdout", None, description="Written to the process stdout.")
    stderr: GoBytes = go_field("Stderr", None, description="Written to the process stderr.")
    auths: list[AuthData] | None = go_field("Auths", None, description="Auth records to save (only on exit code 0).")
    exit_code: GoInt = go_field("ExitCode", 0, description="Process exit status when non-zero.")
