"""One settings object, read from ``TRIALMATCH_*`` environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def default_criteria_dir() -> Path:
    """Return the catalogue shipped beside the package in a source tree, else ./criteria."""
    beside_source = Path(__file__).resolve().parent.parent / "criteria"
    if (beside_source / "trials").is_dir():
        return beside_source
    return Path.cwd() / "criteria"


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    return value


class Settings(BaseSettings):
    """Service configuration; every field maps to ``TRIALMATCH_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="TRIALMATCH_", extra="ignore", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    workers: int = Field(default=1, ge=1, le=64)
    criteria_dir: Path = Field(default_factory=default_criteria_dir)
    max_body_bytes: int = Field(default=10 * 1024 * 1024, ge=1024)
    max_entries: int = Field(default=100_000, ge=1)
    request_timeout_seconds: float = Field(default=30.0, gt=0)
    max_inflight_requests: int = Field(default=64, ge=1)
    max_inflight_body_bytes: int = Field(default=48 * 1024 * 1024, ge=1024)
    work_processes: int = Field(default=2, ge=0, le=64)
    max_parallel_work: int = Field(default=2, ge=1, le=64)
    retry_after_seconds: int = Field(default=2, ge=1)
    header_bytes: int = Field(default=16 * 1024, ge=1024, le=1024 * 1024)
    header_timeout_seconds: float = Field(default=10.0, gt=0)
    keep_alive_seconds: int = Field(default=5, ge=1)
    log_level: Literal["debug", "info", "warning", "error"] = "info"
    log_format: Literal["text", "json"] = "text"
    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()
    api_key_hashes: Annotated[tuple[str, ...], NoDecode] = ()
    copies_per_iu: float | None = Field(default=None, gt=0)
    meld3_cap: int | None = 40
    # The service's public base URL (https://trials.example.org): the CapabilityStatement names it
    # and a CDS client's JWT must carry <public_url>/cds-services/<id> as its audience.
    public_url: str | None = None
    # CDS Hooks caller authentication (service/cds_auth.py): the JWKS (a file path or an https URL)
    # and the issuers allowed; both unset leaves CDS calls to the API key, like every other route.
    cds_jwks: str | None = None
    cds_issuers: Annotated[tuple[str, ...], NoDecode] = ()
    # CDS Hooks prefetch keys the client left out are fetched from its fhirServer with its
    # fhirAuthorization token (service/cds_fetch.py): on/off, the base URLs allowed (empty: any
    # https URL, or http to a loopback address), one deadline and byte limits per hook request.
    cds_fetch: bool = True
    cds_fhir_servers: Annotated[tuple[str, ...], NoDecode] = ()
    cds_fetch_seconds: float = Field(default=15.0, gt=0)
    cds_fetch_response_bytes: int = Field(default=8 * 1024 * 1024, ge=1024)
    cds_fetch_request_bytes: int = Field(default=16 * 1024 * 1024, ge=1024)
    # Signs the web view's session cookies (service/web/auth.py); random per start-up when unset.
    session_secret: SecretStr | None = None

    @field_validator("cors_origins", "api_key_hashes", "cds_issuers", "cds_fhir_servers", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()
