"""Putting user text inside Streamlit markdown safely."""

MARKDOWN_SPECIAL = "\\`*_{}[]()#+-.!$|<>~:"


def md_escape(text: str) -> str:
    """User text made literal inside st.markdown (no emphasis, links, LaTeX or colour tags)."""
    return "".join("\\" + ch if ch in MARKDOWN_SPECIAL else ch for ch in text)
