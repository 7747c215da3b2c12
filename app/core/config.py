"""The one settings object, read from the environment and `.env`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from limits import parse_many
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from app.core.network import allow_list_from

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    # `.env.performance` carries the tuned defaults (cache tiers, timeouts); `.env` overrides it and
    # the environment overrides both.
    model_config = SettingsConfigDict(
        env_file=(PROJECT_ROOT / ".env.performance", PROJECT_ROOT / ".env"),
        env_file_encoding="utf-8",
        extra="ignore",
    )

    app_name: str = "mesa-partes"
    log_level: str = "INFO"
    # `json`: one JSON object per line (timestamp, level, logger, event, request/task context), for a
    # log collector; `console`: readable lines for a terminal (app/core/logging.py).
    log_format: Literal["json", "console"] = "console"
    # GET /readyz: the time each check (database, cache, broker; run concurrently) may take.
    readyz_check_timeout_s: float = Field(default=1.0, gt=0, le=30)

    # Database. Unset → the embedded PostgreSQL wheel serves a cluster kept under `data_dir`.
    database_url: str | None = None
    data_dir: Path = PROJECT_ROOT / ".data"
    db_pool_size: int = Field(default=10, ge=1)
    db_max_overflow: int = Field(default=10, ge=0)
    # How long a request waits for a pooled connection before it answers 503 busy with Retry-After.
    # A connection is held for milliseconds per request, so a pool still empty after 3 s is overload:
    # more waiting only stacks requests (and their clients' retries) behind it. Code with its own
    # engine (tasks, the report lease: `new_database`) waits DB_TASK_POOL_TIMEOUT_S instead.
    db_pool_timeout_s: float = Field(default=3.0, gt=0)
    db_task_pool_timeout_s: float = Field(default=30.0, gt=0)
    db_pool_recycle_s: int = Field(default=1800, ge=-1)
    db_connect_timeout_s: float = Field(default=10.0, gt=0)
    db_statement_timeout_ms: int = Field(default=30_000, ge=0)
    # Server-side `idle_in_transaction_session_timeout`: a session left idle inside a transaction this
    # long is ended by PostgreSQL (its locks and its connection freed). A safety net; 0 turns it off.
    db_idle_in_transaction_timeout_ms: int = Field(default=60_000, ge=0)
    db_echo: bool = False
    # Trades durability for commit latency: the service's sessions commit without waiting for the
    # WAL flush, so the last ~0.6 s of acknowledged writes can be lost in a crash (never corrupted).
    # Off by default; README, Configuration.
    db_async_commit: bool = False

    # Cache. REDIS_URL empty → in-process LRU only; Redis unreachable → the same LRU until it is back.
    cache_enabled: bool = True
    redis_url: str | None = "redis://127.0.0.1:6379/0"
    cache_prefix: str = Field(default="mp", pattern=r"^[A-Za-z0-9_.-]{1,32}$")
    cache_ttl_hot: int = Field(default=120, ge=60, le=300)
    cache_ttl_warm: int = Field(default=900, ge=300, le=1800)
    cache_ttl_cold: int = Field(default=3600, ge=1800, le=3600)
    redis_socket_timeout_ms: int = Field(default=200, ge=10, le=10_000)
    redis_connect_timeout_ms: int = Field(default=200, ge=10, le=10_000)
    redis_max_connections: int = Field(default=64, ge=1)
    cache_breaker_failures: int = Field(default=3, ge=1)
    cache_breaker_cooldown_ms: int = Field(default=5_000, ge=100)
    cache_local_max_entries: int = Field(default=10_000, ge=100)
    cache_stale_grace_ms: int = Field(default=60_000, ge=0)
    cache_lock_ttl_ms: int = Field(default=30_000, ge=100)
    cache_lock_wait_ms: int = Field(default=3_000, ge=0)

    # Query monitoring (app/core/query_monitor.py, app/core/query_optimizer.py).
    slow_query_ms: float = Field(default=200, ge=0)
    slow_query_plan_sample: float = Field(default=0.1, ge=0, le=1)
    slow_query_max_fingerprints: int = Field(default=200, ge=1)
    query_count_warn: int = Field(default=10, ge=1)
    query_count_header: bool = False
    large_table_rows: int = Field(default=10_000, ge=0)

    # Task queue (app/core/task_queue.py). Broker and result backend default to REDIS_URL.
    celery_broker_url: str | None = None
    celery_result_backend: str | None = None
    # Hard limit of a report task (soft limit 30 s earlier) and of every other task.
    task_time_limit_s: int = Field(default=30 * 60, ge=60)
    task_short_time_limit_s: int = Field(default=5 * 60, ge=60)
    # Redis redelivers a task not acknowledged after this long (a killed worker's task); 0 → the
    # longest time limit + 10 minutes, so a slow task is never delivered twice for being slow.
    task_visibility_timeout_s: int = Field(default=0, ge=0)
    task_result_expires_s: int = Field(default=24 * 3600, ge=60)
    # One thread: without a broker the tasks share the API process (and its GIL) with the requests.
    task_local_workers: int = Field(default=1, ge=1)
    # Beat schedule: cache warm-up every N seconds; overdue-documents alert daily at HH:MM (office time).
    task_warmup_interval_s: int = Field(default=600, ge=60)
    task_alerta_vencidos_hora: str = Field(default="08:00", pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")

    # Reports (app/tasks/reportes.py): rows fetched per round trip from the server-side cursor,
    # and how often (rows) the progress is written while a report runs.
    report_fetch_rows: int = Field(default=2_000, ge=100, le=100_000)
    report_progress_rows: int = Field(default=5_000, ge=100)
    # A report run's lease (app/reportes/lease.py): renewed every third of it while the run lives; once
    # it has expired, the sweep (every REPORT_SWEEP_INTERVAL_S) or a worker starting up queues the
    # report again, at most REPORT_MAX_ATTEMPTS runs in all. Lease + sweep interval < 2 minutes.
    report_lease_s: int = Field(default=30, ge=3, le=300)
    report_sweep_interval_s: int = Field(default=30, ge=5, le=600)
    report_max_attempts: int = Field(default=3, ge=1, le=20)

    # Attachments: the largest accepted upload (413 above it).
    anexo_max_bytes: int = Field(default=20 * 1024 * 1024, ge=1024)
    # A request body that does not progress for this long (no bytes arrive) is answered 408 and its
    # partial upload removed (app/core/body_timeout.py).
    body_read_timeout_s: float = Field(default=30.0, gt=0)

    # Email notifications (SMTP). Unset host → notifications are recorded as skipped, not sent.
    smtp_host: str | None = None
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    smtp_ssl: bool = False
    smtp_timeout_s: float = Field(default=10.0, gt=0)
    mail_from: str = "mesa-partes@localhost"

    # Integration delivery: retry n waits min(max, base * 2**n) seconds, with full jitter.
    integracion_backoff_base_s: float = Field(default=2.0, gt=0)
    integracion_backoff_max_s: float = Field(default=600.0, gt=0)
    # Receivers that may be on a private network (the SSRF check, app/core/network.py): host names,
    # `*.suffix` patterns and CIDR networks, separated by commas. Empty: public addresses only.
    integraciones_hosts_permitidos: str = ""

    # Flower (`celery -A app.core.task_queue flower`): loopback only unless told otherwise, and
    # always behind basic auth. Unset password → one generated into DATA_DIR/.flower_password.
    flower_address: str = "127.0.0.1"
    flower_port: int = Field(default=5555, ge=1, le=65535)
    flower_user: str = Field(default="admin", pattern=r"^[A-Za-z0-9._-]{1,64}$")
    flower_password: SecretStr | None = None

    # Auth.
    # Unset: a random secret is generated once and kept in DATA_DIR/.jwt_secret (never a published one).
    jwt_secret: SecretStr | None = None
    jwt_algorithm: str = "HS256"
    jwt_expire_minutes: int = Field(default=480, ge=1)
    admin_username: str = "admin"
    admin_password: SecretStr | None = None
    admin_email: str = "admin@mesa-partes.local"

    # Throttling (app/core/throttle.py): moving windows in Redis ("10/minute", "10/minute;50/hour";
    # empty or "0" = off), in process memory while Redis is unreachable. Login attempts (every one:
    # it is counted before the password is checked) per username and per client address; public
    # tracking requests per client address; writes (POST/PUT/PATCH/DELETE) per authenticated user.
    login_limit_por_usuario: str = "10/minute;50/hour"
    login_limit_por_ip: str = "60/minute"
    seguimiento_limit_por_ip: str = "30/minute;300/hour"
    escritura_limit_por_usuario: str = "120/minute"
    # Threads that hash and verify passwords (argon2: 64 MiB and tens to hundreds of ms of CPU each),
    # off the event loop; more logins at once wait for a free one instead of taking every core and
    # thread. 0 → half the CPUs (at least 1), leaving the event loop a core during a login storm.
    password_hash_threads: int = Field(default=0, ge=0, le=32)

    # Domain. PUBLIC_BASE_URL: where citizens reach this service; the receipt's QR code, its printed
    # link and the emails point to PUBLIC_BASE_URL/seguimiento.
    public_base_url: str = "http://127.0.0.1:8000"
    timezone: str = "America/Lima"
    # How people name the office's time ("hora de Lima"); empty → "hora de <the zone's city>".
    timezone_label: str = ""

    # The institution's identity, on the receipt, the emails, the tracking page and the reports'
    # headers. The defaults are placeholders for the demo: a real office sets every one.
    # INSTITUCION_LOGO: a PNG or JPEG file; unset → the placeholder logo shipped with the code.
    institucion_nombre: str = Field(
        default="Municipalidad Distrital de Ejemplo", min_length=1, max_length=200
    )
    institucion_ruc: str = Field(default="20123456786", pattern=r"^[0-9]{11}$")
    institucion_direccion: str = Field(default="Av. Principal 123, Cercado de Lima, Lima", max_length=300)
    institucion_telefono: str = Field(default="(01) 123-4567", max_length=60)
    institucion_email: str = Field(default="mesadepartes@ejemplo.gob.pe", max_length=200)
    institucion_horario: str = Field(default="Lunes a viernes, de 08:30 a 16:30", max_length=200)
    institucion_logo: Path | None = None
    storage_dir: Path = PROJECT_ROOT / ".data" / "storage"

    # HTTP security (app/core/security_headers.py). HSTS_SECONDS > 0 sends Strict-Transport-Security
    # (only behind TLS); CORS_ORIGENES: comma-separated origins a browser client may call the API
    # from (`https://app.example.gob.pe`), empty → no CORS header at all.
    hsts_seconds: int = Field(default=0, ge=0)
    cors_origenes: Annotated[list[str], NoDecode] = Field(default_factory=list)

    @field_validator("integraciones_hosts_permitidos")
    @classmethod
    def _hosts_permitidos_validos(cls, value: str) -> str:
        allow_list_from(value)  # a typo fails at start (ValueError names the entry)
        return value

    @field_validator("log_format", mode="before")
    @classmethod
    def _log_format_any_case(cls, value: object) -> object:
        return value.strip().lower() if isinstance(value, str) else value

    @field_validator(
        "login_limit_por_usuario",
        "login_limit_por_ip",
        "seguimiento_limit_por_ip",
        "escritura_limit_por_usuario",
    )
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        """A limit string `limits` parses ("10/minute;50/hour"), or off (empty, "0"), checked at start."""
        if value.strip().lower() not in ("", "0", "off", "none"):
            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(f"not a rate limit (e.g. '10/minute;50/hour'): {value!r}") from exc
        return value

    @field_validator("cors_origenes", mode="before")
    @classmethod
    def _comma_separated_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [origin.strip().rstrip("/") for origin in value.split(",") if origin.strip()]
        return value

    @field_validator("redis_url", mode="before")
    @classmethod
    def _empty_redis_url_means_none(cls, value: object) -> object:
        """`REDIS_URL=` (empty) turns Redis off; anything else must be a Redis URL, checked here so
        that a typo fails at start rather than on the first cached request."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        if not isinstance(value, str) or not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("REDIS_URL must start with redis://, rediss:// or unix://")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
