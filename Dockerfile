# syntax=docker/dockerfile:1
# The Citizen Credit Card backend: one image for the API (default command), the worker
# (`python -m backend worker`) and the one-shot migration (`python -m backend migrate`).
# Only the locked production dependencies (`uv sync --locked --no-dev`): no embedded servers,
# no test tools. Nothing is downloaded when a container starts.

# --- builder: the virtualenv, from uv.lock only --------------------------------------------------
FROM python:3.11-slim-bookworm AS builder

# uv comes from its official image, pinned to the version the Makefile uses.
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /usr/local/bin/uv

ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /app

# The dependencies first, from the lock alone: this layer is rebuilt only when they change.
COPY pyproject.toml uv.lock ./
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev --no-install-project

COPY backend/ backend/
COPY points_engine/ points_engine/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --locked --no-dev

# --- runtime --------------------------------------------------------------------------------------
FROM python:3.11-slim-bookworm AS runtime

# A fixed uid/gid, so volumes (evidence files) keep one owner across rebuilds; USER below
# names it by number so a runtime can see it is not root without reading /etc/passwd.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --home-dir /app --no-create-home app

WORKDIR /app
COPY --from=builder /app/.venv /app/.venv
COPY backend/ backend/
COPY points_engine/ points_engine/
COPY content/ content/
COPY migrations/ migrations/
COPY pyproject.toml uv.lock ./

# The source is read-only for the app user, so its bytecode is compiled here, not at start.
# var/ and /evidence are the only places the app writes; a new named volume mounted on
# /evidence takes this owner.
# The credit report's static CJK face is made here (about 12 s) rather than by the first
# citizen who downloads a report.
RUN python -m compileall -q backend points_engine migrations \
    && mkdir -p /app/var /evidence \
    && /app/.venv/bin/python -c "from backend.creditreport.fonts import static_font; static_font('/app/var')" \
    && chown -R app:app /app/var /evidence

ENV PATH="/app/.venv/bin:$PATH" \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    APP_ENV=production \
    VAR_DIR=/app/var \
    EVIDENCE_DIR=/evidence

USER 10001:10001
EXPOSE 8000

# No curl in slim: python's urllib. /readyz answers 200 only when PostgreSQL, Redis and the
# migrations are all right.
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import urllib.request, sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=4).status != 200)"]

# The API under uvicorn, with the one log format: WEB_CONCURRENCY processes (1 by default);
# set FORWARDED_ALLOW_IPS to the reverse proxy's address so client addresses are its X-Forwarded-For.
CMD ["python", "-m", "backend", "api"]
