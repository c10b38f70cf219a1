"""Runtime configuration: flags override `CONDUCTOR_*` environment variables."""

from datetime import timedelta
from pathlib import Path

from pydantic import AwareDatetime, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from conductor.access import Tokens
from conductor.metrics.rollup import DEFAULT_MIN_GROUP_SIZE


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONDUCTOR_", extra="forbid")

    score: Path | None = Field(None, description="score file published on start if it changed")
    pilot: Path | None = Field(
        None, description="a second score folded in shadow: its cues recorded, never delivered"
    )
    db: Path = Field(Path("conductor.db"), description="the SQLite log")
    host: str = "127.0.0.1"
    port: int = 8000
    api_token: SecretStr | None = Field(
        None,
        description="when set, every endpoint but /healthz needs `Authorization: Bearer "
        "<token>`; this one reads and posts",
    )
    api_read_token: SecretStr | None = Field(
        None, description="a second token that reads only (needs api_token set; POST: 403)"
    )
    github_webhook_secret: SecretStr | None = Field(
        None, description="the secret GitHub signs webhook deliveries with (none: refused)"
    )
    max_body_bytes: int = Field(8 * 1024 * 1024, ge=1, description="larger bodies get 413")
    snapshot_every: int = Field(100_000, ge=1, description="events between snapshots")
    min_group_size: int = Field(
        DEFAULT_MIN_GROUP_SIZE, ge=1, description="smaller sections roll up into the ensemble"
    )
    sinks: Path | None = Field(None, description="the sinks, routing and retries (YAML)")
    stdout: bool | None = Field(
        None, description="print each cue as one line (on unless `sinks` is given)"
    )
    jsonl: Path | None = Field(None, description="append each cue to this JSON Lines file")
    webhook: str | None = Field(None, description="POST each cue to this URL (a CloudEvent)")
    webhook_secret: SecretStr | None = Field(
        None, description="sign the webhook per Standard Webhooks with this whsec_ secret"
    )
    webhook_timeout: float = Field(5.0, gt=0)
    retry_max_seconds: float = Field(30.0, gt=0, description="cap of the retry backoff")
    retry_attempts: int = Field(
        12, ge=1, description="tries of a cue before it is recorded as failed for a sink"
    )
    clock_start: AwareDatetime | None = Field(
        None, description="run the runtime's clock from this instant instead of the wall clock"
    )
    clock_speed: float = Field(1.0, ge=0, description="how fast that clock runs")
    max_clock_skew: timedelta | None = Field(
        None,
        description="refuse events dated further ahead of the clock (default: one day on the "
        "wall clock, no limit on a --clock-start clock)",
    )
    demo: bool = False
    demo_seed: int = 7
    demo_days: int = 70
    synchronous_full: bool = Field(
        False, description="fsync every commit (survives power loss, slower)"
    )

    @property
    def tokens(self) -> Tokens:
        def value(secret: SecretStr | None) -> str | None:
            return secret.get_secret_value() if secret is not None else None

        return Tokens(value(self.api_token), value(self.api_read_token))

    @model_validator(mode="after")
    def _tokens_make_sense(self) -> "Settings":
        problems = self.tokens.problems()
        if problems:
            raise ValueError("; ".join(f"{p.path}: {p.message}" for p in problems))
        return self
