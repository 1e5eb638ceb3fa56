"""Layer 4, story: the story as content — chapter registry, blocks, chart builders, narrative, theme and one builder
per chapter. No Streamlit."""
