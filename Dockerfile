# referral-service: slim image, pinned dependencies, non-root, health-checked.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    REFERRAL_DATABASE_URL=sqlite:////data/referral.db

WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY schemas ./schemas
COPY service ./service
COPY client ./client
RUN pip install -c constraints.txt . \
    && useradd --system --uid 10001 --home /data referral \
    && mkdir -p /data && chown referral /data

USER referral
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s \
    CMD python -c "import urllib.request,sys; sys.exit(0 if urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2).status == 200 else 1)"
CMD ["referral", "serve", "--host", "0.0.0.0", "--port", "8000"]
