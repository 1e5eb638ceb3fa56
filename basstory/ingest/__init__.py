"""Layer 1, ingest: raw extracts (CSV, .csv.gz, parquet) → validated, typed parquet in a versioned store; the sample generator; the rules for uploads, switching and deleting versions."""
