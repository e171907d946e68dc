# The dashboard image used by docker-compose.yml (the database is a separate postgis service).
FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /srv/zongzhi
COPY pyproject.toml README.md ./
COPY app ./app
COPY layers ./layers
COPY geodata ./geodata
COPY etl ./etl
COPY domain ./domain
RUN pip install --no-cache-dir .
RUN useradd --system --uid 10001 zongzhi
USER zongzhi
EXPOSE 8050
# Migrations first, then gunicorn (zongzhi serve migrates and execs gunicorn).
CMD ["zongzhi", "serve", "--host", "0.0.0.0", "--port", "8050", "--workers", "3"]
