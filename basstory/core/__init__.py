"""Layer 0, core: what every layer shares and that knows no other — the extracts and staged tables declared
(schema), the BAS calendar, where data lives, plain-text formatting."""
