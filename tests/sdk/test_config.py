"""Config YAML decodes like yaml.v3 into typed fields, and ConfigFields come from the model."""

from __future__ import annotations

import pytest

from cpa_sdk import ConfigError, Plugin, PluginConfig, RequestNormalizer
from cpa_sdk.config import config_fields, decode_config, load_config
from cpa_sdk.testing import PluginHarness
from cpa_sdk.wire import PayloadResponse, RequestTransformRequest
from tests.sdk.plugins import META, Normalizer, RichConfig


class Flags(PluginConfig):
    fast: bool = False
    label: str = ""


@pytest.mark.parametrize("text", ["fast: true", "fast: True", "fast: TRUE", "fast: yes", "fast: on"])
def test_yaml_11_booleans_read_as_true(text: str) -> None:
    assert load_config(Flags, text.encode()).fast is True


@pytest.mark.parametrize("text", ["label: yes", "label: 3", "label: true", "label: 1.50"])
def test_string_fields_keep_the_yaml_text(text: str) -> None:
    assert load_config(Flags, text.encode()).label == text.split(": ", 1)[1]


@pytest.mark.parametrize("text", ["fast: 3", "fast: [1]", "fast: {a: 1}", "fast: maybe"])
def test_wrong_types_are_errors_naming_the_key(text: str) -> None:
    with pytest.raises(ConfigError, match="fast"):
        load_config(Flags, text.encode())


def test_host_owned_and_unknown_keys_are_ignored() -> None:
    text = b"enabled: true\npriority: 5\nstore:\n    version: 1.2.3\nunknown: x\nfast: true\n"
    assert load_config(Flags, text) == Flags(fast=True)


def test_a_misspelt_key_warns_with_the_closest_field() -> None:
    config, warnings = decode_config(Flags, b"enabled: true\npriority: 5\nfsat: true\nlabel: x\n")
    assert config == Flags(label="x")  # still ignored, as yaml.v3 ignores it
    assert warnings == ["config key 'fsat' is not read by this plugin; did you mean 'fast'?"]


def test_an_unrelated_key_warns_with_the_keys_there_are() -> None:
    assert decode_config(Flags, b"colour: red\n")[1] == [
        "config key 'colour' is not read by this plugin; the keys are fast, label"
    ]


def test_unknown_keys_of_nested_blocks_warn_with_their_path() -> None:
    assert decode_config(RichConfig, b"nested:\n    lable: x\n")[1] == [
        "config key 'nested.lable' is not read by this plugin; did you mean 'label'?"
    ]


def test_known_and_host_owned_keys_do_not_warn() -> None:
    assert decode_config(Flags, b"enabled: false\npriority: 1\nstore: {version: 1}\nfast: on\n")[1] == []


def test_registration_logs_each_unknown_key_to_cpa_as_a_warning() -> None:
    harness = PluginHarness(Normalizer)
    harness.register({"text": "!", "txet": "?"})
    (log,) = harness.host.calls_to("host.log")
    assert log.json() == {
        "level": "warn",
        "message": "config key 'txet' is not read by this plugin; did you mean 'text'?",
        "fields": {"plugin_id": Normalizer.plugin_id},  # a field CPA's log prints
    }
    harness.reconfigure({"text": "!", "txet": "?"})  # the same config again: answered from cache
    assert len(harness.host.calls_to("host.log")) == 1


def test_empty_or_missing_config_gives_defaults() -> None:
    assert load_config(RichConfig, b"") == RichConfig()
    assert load_config(RichConfig, None) == RichConfig()
    assert load_config(RichConfig, b"# only a comment\n") == RichConfig()


def test_nested_four_space_indented_config_with_comments() -> None:
    text = b"""# CPA re-indents nested blocks to four spaces
flag: on
mode: fast      # a comment
tags:
    - a
    - yes
nested:
    label: no
    count: 3
ratio: 2
"""
    config = load_config(RichConfig, text)
    assert config.flag is True and config.mode == "fast"
    assert config.tags == ["a", "yes"]
    assert config.nested.label == "no" and config.nested.count == 3
    assert config.ratio == 2.0


def test_constraints_are_enforced() -> None:
    with pytest.raises(ConfigError, match="limit"):
        load_config(RichConfig, b"limit: 0")
    with pytest.raises(ConfigError, match="mode"):
        load_config(RichConfig, b"mode: slow")


def test_not_a_mapping_is_an_error() -> None:
    with pytest.raises(ConfigError, match="mapping"):
        load_config(RichConfig, b"- a\n- b\n")
    with pytest.raises(ConfigError, match="YAML"):
        load_config(RichConfig, b"a: [unclosed")


def test_config_fields_are_derived_from_the_model() -> None:
    fields = {f.name: (f.type, f.enum_values, f.description) for f in config_fields(RichConfig)}
    assert fields == {
        "flag": ("boolean", None, "A switch."),
        "mode": ("enum", ["safe", "fast"], "How to run."),
        "text": ("string", None, "Any text."),
        "limit": ("integer", None, "At least one."),
        "ratio": ("number", None, ""),
        "tags": ("array", None, ""),
        "nested": ("object", None, ""),
    }


class _Logging:
    """A plain mixin, listed before the base that names the config."""


class _HostHelpers(Plugin, abstract=True):
    """A plugin mixin of its own, without a config."""


class _Configured(Plugin[Flags], RequestNormalizer, abstract=True):
    plugin_id = name = "configured"
    version, author, github_repository = META["version"], META["author"], META["github_repository"]

    def normalize_request(self, request: RequestTransformRequest) -> PayloadResponse | None:
        return None


@pytest.mark.parametrize("mixins", [(_Logging,), (_HostHelpers,), (_Logging, _HostHelpers)])
def test_the_config_model_is_found_behind_mixins(mixins: tuple[type, ...]) -> None:
    cls = type("Mixed", (*mixins, _Configured), {})
    assert cls.config_model is Flags
    with PluginHarness(cls) as harness:
        harness.register({"fast": True})
        assert harness.plugin.config == Flags(fast=True)


def test_a_mixin_listed_first_that_sets_the_config_wins_as_the_mro_says() -> None:
    class Other(PluginConfig):
        label: str = ""

    class OtherMixin:
        config_model = Other

    cls = type("Explicit", (OtherMixin, _Configured), {})
    assert cls.config_model is Other and type("Below", (cls,), {}).config_model is Other
    assert type("Reversed", (_Configured, OtherMixin), {}).config_model is Flags


# -- the flat fast path: what yaml.v3 writes for most plugins is read without PyYAML -------------

_WORDS = [
    "true",
    "false",
    "0",
    "7",
    "-12",
    "123456789012345678",
    "x",
    "fast",
    "gpt-5.5",
    "a/b.c",
    "codex-user0031@example.com-plus.json",
    "https://chatgpt.com/backend-api/codex",
    "a+b",
    "a:",
    "a::b",
    "http://h:8080",
    "a:b:",
    "a@",
    "@a",
    ":a",
    "yes",
    "No",
    "on",
    "OFF",
    "null",
    "Null",
    "y",
    "n",
    "~",
    "1.5",
    "1e3",
    "0x1F",
    "012",
    "2001-12-14",
    "'q'",
    '"yes"',
    "a b",
    "#c",
    "",
    ".inf",
    "-",
    "1_000",
    "+1",
    "TRUE",
    "True",
    "e1",
    "inf",
    "nan",
]
_KEYS = ["fast", "enabled", "priority", "mode", "max_concurrency", "on", "Yes", "a-b", "_k", "x y", "1a"]


@pytest.mark.parametrize("key", _KEYS)
@pytest.mark.parametrize("value", _WORDS)
def test_the_flat_reading_is_pyyaml_s_or_none(key: str, value: str) -> None:
    import yaml

    from cpa_sdk.config import _flat_readings

    for text in (f"{key}: {value}", f"enabled: true\n{key}: {value}\npriority: 0\n"):
        readings = _flat_readings(text)
        if readings is None:
            continue  # PyYAML reads it
        assert readings == (yaml.safe_load(text), yaml.load(text, Loader=yaml.BaseLoader)), text


@pytest.mark.parametrize(
    "text",
    [
        "fast: true\nfast: false",
        "fast: true\r\n",
        "fast:  true",
        " fast: true",
        "---\nfast: true",
        "fast: true # c",
        "fast: [1]",
        "s:\n  a: 1",
    ],
)
def test_anything_but_plain_flat_lines_goes_to_pyyaml(text: str) -> None:
    from cpa_sdk.config import _flat_readings

    assert _flat_readings(text) is None


def test_flat_and_pyyaml_readings_decode_alike() -> None:
    text = b"enabled: true\nfast: true\nlabel: yes\npriority: 0\n"  # 'yes' is a word PyYAML reads
    assert load_config(Flags, text) == Flags(fast=True, label="yes")
    assert load_config(Flags, b"enabled: true\nfast: false\nlabel: gpt-5.5\npriority: 3\n") == Flags(label="gpt-5.5")
