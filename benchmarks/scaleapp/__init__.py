"""A throwaway store app for benchmarks/bench_scale.py: it has no models, and its migrations
(raw SQL on one small table) are written at run time into ``.local/bench/scale_migrations`` so
the harness can time `migrate_all` for one new migration across every store."""
