"""Settings from `REFERRAL_*` environment variables and an optional `.env` file."""

import os
from functools import lru_cache
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="REFERRAL_", env_file=".env", extra="ignore", frozen=True
    )

    database_url: str = Field(
        default="sqlite:///./referral.db",
        description="`sqlite:///path` or `postgresql+psycopg://user@host/db`.",
    )
    bootstrap_admin_key: SecretStr | None = Field(
        default=None, description="If set, this key is an admin key (stored hashed)."
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="The bearer token `/metrics` asks of a scraper. Unset: `/metrics` answers "
        "this host alone (loopback), since its counters say when matches are made.",
    )
    demo_data: bool = Field(default=False, description="Load the demo registry into an empty DB.")
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    cors_origins: list[str] = Field(
        default_factory=list, description='Origins allowed by CORS, as JSON: ["https://a.ca"].'
    )
    default_per_page: int = Field(default=50, ge=1)
    max_per_page: int = Field(default=200, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    db_pool_size: int = Field(default=10, ge=1)
    match_concurrency: int = Field(
        default_factory=lambda: max(1, min(4, os.cpu_count() or 1)),
        ge=1,
        le=64,
        description="Matches computed at once by one worker; more wait their turn. Matching "
        "is bound by CPU: more at once than there are cores only adds contention.",
    )
    stale_after_days: int = Field(
        default=180, ge=1, description="A listing not verified for this long is stale."
    )
    availability_stale_after_hours: int = Field(
        default=48, ge=1, description="Bed counts older than this are stale."
    )
    match_search: Literal["memory", "database"] = Field(
        default="memory",
        description="Where a match finds its candidates: `memory`, an index of the matchable "
        "registry that each worker holds and brings up to date from the database's change log "
        "before every match (fast; about 120 MB per worker at 100,000 services), or "
        "`database`, indexed statements on every match (slower; no memory per worker). Both "
        "answer alike while the candidate cap does not bind; where it does, the memory search "
        "counts only services the person is eligible for towards it.",
    )
    match_candidate_cap: int = Field(
        default=50,
        ge=10,
        le=2000,
        description="Nearest eligible candidates read per need before ranking (at least twice "
        "the asked limit).",
    )
    rate_limit_per_minute: int = Field(
        default=3000,
        ge=0,
        description="Requests one key may make in a minute (0: no limit); more get 429 with "
        "Retry-After. Shared by every instance through `redis_url` when set.",
    )
    key_cache_seconds: float = Field(
        default=2,
        ge=0,
        le=60,
        description="How long a worker trusts a key it read from the database before reading "
        "it again (0: on every request). A key revoked or an organization suspended through "
        "the same worker is refused at once; through another worker or instance, within this "
        "time.",
    )
    redis_url: str | None = Field(
        default=None,
        description="`redis://host:6379/0`: where instances count requests per key together. "
        "Unset: each worker counts alone.",
    )
    report_flush_seconds: float = Field(
        default=60,
        gt=0,
        le=3600,
        description="How often a worker adds its unmet-need counts to the database's. A "
        "worker that dies loses its counts since the last time.",
    )

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        if not value.startswith(("sqlite://", "postgresql+psycopg://", "postgresql://")):
            raise ValueError("must start with sqlite:// or postgresql+psycopg://")
        if value.startswith("postgresql://"):
            return "postgresql+psycopg://" + value.removeprefix("postgresql://")
        return value

    @field_validator("bootstrap_admin_key", "metrics_token")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value()) < 16:
            raise ValueError("must be at least 16 characters")
        return value

    @model_validator(mode="after")
    def _page_sizes(self) -> Self:
        if self.default_per_page > self.max_per_page:
            raise ValueError(
                f"REFERRAL_DEFAULT_PER_PAGE ({self.default_per_page}) must not exceed "
                f"REFERRAL_MAX_PER_PAGE ({self.max_per_page})"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
