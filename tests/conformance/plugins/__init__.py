"""Plugins that exist only for the conformance tests (built with cpa-sdk, or in C as a control)."""
