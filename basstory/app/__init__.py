"""Layer 6, app: the Streamlit layer — pinned dataset, cached chapter builds, sidebar, deep links, presentation
mode, drawing blocks, the analyst gate."""
