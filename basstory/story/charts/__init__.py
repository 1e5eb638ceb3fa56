"""Chart builders: one function a chart, aggregated frame in, `alt.Chart` out, one module a chapter. The look comes
from basstory.story.theme; `common` holds the encodings every chapter shares."""
