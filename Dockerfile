# Rightsize bot image: the package with its dependencies, run as an unprivileged user.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY adapters ./adapters
COPY migrations ./migrations
COPY scenarios ./scenarios
RUN pip install . && useradd --create-home --uid 10001 rightsize

USER rightsize
# Migrate first, then run the configured adapters and the scheduler.
CMD ["sh", "-c", "rightsize db upgrade && exec rightsize run"]
