"""Layer 5, export: blocks written as files — chart PNG/SVG/CSV and the whole story as one offline HTML file."""
