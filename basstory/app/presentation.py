"""Presentation mode's look: CSS the router adds to the page when the link says `?present=1`.

The sidebar (and its collapse control), the header with the toolbar and Deploy button go; the main column widens;
text grows with the screen; the page's headline (`ui.headline`, in the container keyed `headline`) and the
previous/next links (`ui.page_footer`, container `page_footer`) become large. Filters still apply: the sidebar's
widgets are only hidden, and they read the URL as usual.
"""
from __future__ import annotations

from basstory.story.theme import LIGHT

#: Elements hidden in presentation mode, by their Streamlit test ids.
HIDDEN_TEST_IDS: tuple[str, ...] = (
    "stSidebar", "stSidebarCollapsedControl", "stExpandSidebarButton", "stSidebarCollapseButton",
    "stHeader", "stToolbar", "stAppToolbar", "stToolbarActions", "stAppDeployButton", "stMainMenu",
    "stDecoration", "stStatusWidget",
)

PRESENT_CSS = """
<style>
%(hidden)s { display: none !important; }
/* Larger type that follows the screen: 18px on a 1366-wide projector, 21px on 1920. Streamlit sizes in rem. */
html { font-size: clamp(17px, 1.1vw, 22px) !important; }
[data-testid="stMain"] { padding-top: 0 !important; }
[data-testid="stMainBlockContainer"] {
  max-width: min(96vw, 2400px) !important; padding: 1.5rem 2.5vw 2rem 2.5vw !important;
}
.st-key-headline h1 { font-size: 2.6rem !important; line-height: 1.15 !important; padding-bottom: 0.25rem; }
.st-key-headline h4 {
  font-size: 1.75rem !important; line-height: 1.3 !important; font-weight: 600 !important;
  border-left: 0.35rem solid %(primary)s; padding: 0.1rem 0 0.1rem 0.9rem !important; margin: 0.4rem 0 0.6rem;
}
.st-key-page_footer [data-testid="stPageLink"] a {
  padding: 0.7rem 1.4rem !important; border: 2px solid %(primary)s; border-radius: 0.6rem;
}
.st-key-page_footer [data-testid="stPageLink"] p { font-size: 1.35rem !important; font-weight: 600; }
/* "Next" is the presenter's main action: filled. */
.st-key-page_footer [data-testid="stColumn"]:last-child [data-testid="stPageLink"] a { background: %(primary)s; }
.st-key-page_footer [data-testid="stColumn"]:last-child [data-testid="stPageLink"] p { color: #FFFFFF !important; }
.st-key-present_exit { opacity: 0.7; }
</style>
"""


#: Always on: the "next" link sits at the right edge of the page footer.
APP_CSS = """
<style>
.st-key-page_footer [data-testid="stColumn"]:last-child [data-testid="stElementContainer"] { align-self: flex-end; }
</style>
"""


def present_css(primary: str = LIGHT["primary"]) -> str:
    """The <style> block for presentation mode."""
    hidden = ",\n".join(f'[data-testid="{test_id}"]' for test_id in HIDDEN_TEST_IDS)
    return PRESENT_CSS % {"hidden": hidden, "primary": primary}
