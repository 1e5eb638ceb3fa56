"""Layer 1, ingest: raw extracts (CSV, .csv.gz, parquet) → validated, typed parquet in a versioned store, and
what depends only on a run derived once (derive); the sample generator; the rules for uploads, switching and
deleting versions."""
