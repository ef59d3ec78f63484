"""cli: adds one command-line flag to CPA and prints a line when it is given.

Port of CPA's generated ``examples/plugin/cli``. ``command_line.register`` declares the bool flag
``-example-cli-python-command`` ("Run the example plugin command"); ``command_line.execute``
prints ``example-cli-python command executed`` and exits 0 (CPA exits instead of serving).

Difference from upstream, on purpose: the generator escapes the output twice, so upstream prints
``"example-cli-c command executed\\n"`` with the quotes and a literal backslash-n and no line end;
the port prints the line the template means.
"""

from __future__ import annotations

from cpa_sdk import CommandLinePlugin
from cpa_sdk.wire import (
    CommandLineExecutionRequest,
    CommandLineExecutionResponse,
    CommandLineFlag,
    CommandLineRegistrationRequest,
    CommandLineRegistrationResponse,
)
from reference_plugins._generated import GeneratedExample


class CLIExample(GeneratedExample, CommandLinePlugin, slug="cli"):
    def register_flags(self, request: CommandLineRegistrationRequest) -> CommandLineRegistrationResponse:
        flag = CommandLineFlag(name=f"{self.pid}-command", usage="Run the example plugin command", type="bool")
        return CommandLineRegistrationResponse(flags=[flag])

    def execute_command(self, request: CommandLineExecutionRequest) -> CommandLineExecutionResponse:
        return CommandLineExecutionResponse(stdout=f"{self.pid} command executed\n".encode(), exit_code=0)


PLUGIN = CLIExample
