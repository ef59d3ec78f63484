"""How ``check`` and ``verify`` end: warnings, then problems, then ok or exit status 1."""

from __future__ import annotations

import sys

import click

__all__ = ["conclude"]


def conclude(problems: list[str], warnings: list[str], *, strict: bool, ok: str) -> None:
    """Print what was found; exit 1 on a problem, or on a warning too when ``strict``."""
    if strict:
        problems, warnings = problems + warnings, []
    for warning in warnings:
        click.secho(f"warning: {warning}", fg="yellow", err=True)
    for problem in problems:
        click.secho(f"problem: {problem}", fg="red", err=True)
    if problems:
        sys.exit(1)
    click.secho(f"ok: {ok}", fg="green")
