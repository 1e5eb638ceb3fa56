"""Layer 2, query: one dataset version read with DuckDB — its tables, the story's filters as SQL, running queries."""
