# fanjing's server: `docker build -t fanjing .` (README, "Deploying")
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    FANJING_VAR_DIR=/var/lib/fanjing

# a user of its own: the server needs to write nothing but its var dir
RUN useradd --system --uid 10001 --create-home --home-dir /var/lib/fanjing fanjing

WORKDIR /opt/fanjing
COPY pyproject.toml README.md ./
COPY src ./src
RUN pip install --no-cache-dir . && rm -rf src

USER fanjing
VOLUME /var/lib/fanjing
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["fanjing", "serve", "--host", "0.0.0.0", "--port", "8000", "--workers", "2"]
