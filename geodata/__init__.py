"""Storage layer: settings, engine, models, migrations, queries and the embedded PostGIS."""
