"""The pages in learning order: one list that the navigation and the home page both read."""
from typing import NamedTuple


class PageInfo(NamedTuple):
    path: str
    title: str
    icon: str
    teaches: str


HOME = PageInfo("pages/home.py", "Home", ":material/home:", "What this lab teaches and where to start.")

LESSONS: list[PageInfo] = []
