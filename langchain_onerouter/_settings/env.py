"""Environment variable names and defaults. No imports: every layer may read it."""

from __future__ import annotations

API_KEY_ENV = "ONEROUTER_API_KEY"
BASE_URL_ENV = "ONEROUTER_BASE_URL"
MODEL_ENV = "ONEROUTER_MODEL"
"""The CLI's default model id."""
FALLBACK_MODELS_ENV = "ONEROUTER_FALLBACK_MODELS"
"""Comma-separated fallback model ids (read by `routing_from_env`)."""
FALLBACK_RULES_ENV = "ONEROUTER_FALLBACK_RULES"
"""`auto` or a JSON object of triggers (read by `routing_from_env`)."""
PROVIDER_ENV = "ONEROUTER_PROVIDER"
"""Provider preferences as a JSON object (read by `routing_from_env`)."""
USAGE_ACCOUNTING_ENV = "ONEROUTER_USAGE_ACCOUNTING"
"""`1`/`true`/`yes` (or `0`/`false`/`no`) to turn usage accounting on (off)."""
DEBUG_ENV = "ONEROUTER_DEBUG"
"""Set to make the CLI print tracebacks."""
DEFAULT_BASE_URL = "https://llm.onerouter.pro/v1"
