"""Every page's identity (id, file, title) in learning order: one list that the navigation, the
home page, the lessons, the tests and the benchmarks all read."""

from pathlib import Path
from typing import NamedTuple


class PageInfo(NamedTuple):
    id: str  # prefix of the page's widget keys and URL parameters
    path: str
    title: str
    icon: str
    teaches: str

    @property
    def url_path(self) -> str:
        """The page's address after the server's root ("" for the home page)."""
        return "" if self.path == HOME.path else Path(self.path).stem


HOME = PageInfo("home", "lessons/home.py", "Home", ":material/home:", "What this lab teaches and where to start.")

WHY = PageInfo(
    "why",
    "lessons/why_attention.py",
    "Why attention",
    ":material/help:",
    "How older models read one word at a time with a small memory, and how much of the first word "
    "reaches the last one, measured.",
)
STATIC = PageInfo(
    "static",
    "lessons/static_embeddings.py",
    "Static embeddings",
    ":material/scatter_plot:",
    "Words as lists of numbers: how alike two words are, king − man + woman, and what a fixed vector "
    "does with a word like 'bank'.",
)
FIRST_PRINCIPLES = PageInfo(
    "fp",
    "lessons/first_principles.py",
    "First-principles attention",
    ":material/hub:",
    "Attention with nothing learned: each word scores every word, the scores become weights, the "
    "weights mix the words — every number on screen, editable.",
)
POSITIONAL = PageInfo(
    "pe",
    "lessons/positional_encoding.py",
    "Positional encoding",
    ":material/format_list_numbered:",
    "Does attention see word order? A shuffled-sentence test, and waves that give each position its own code.",
)
QKV = PageInfo(
    "qkv",
    "lessons/qkv.py",
    "Queries, keys, values",
    ":material/key:",
    "Three weight matrices turn each word into a question, a label and a message; random weights beside "
    "a trained model's, every matrix in between.",
)
MULTI_HEAD = PageInfo(
    "mha",
    "lessons/multi_head.py",
    "Multi-head attention",
    ":material/view_column:",
    "Several attention maps at once, each free to look for something else; stacked layers; checked against PyTorch.",
)
TRAIN = PageInfo(
    "train",
    "lessons/train_attention.py",
    "Train attention live",
    ":material/model_training:",
    "Two stacked one-head layers learn, in seconds, what “it” refers to (tired → animal, wide → road); "
    "replay both layers while they learn.",
)
REAL_MODEL = PageInfo(
    "real",
    "lessons/real_model.py",
    "Inside a real model",
    ":material/psychology:",
    "A real pretrained model (MiniLM, 6 layers × 12 heads) on your sentence: what its heads look at, "
    "how 'bank' changes with its sentence, and one head rebuilt from its weights.",
)
GPT = PageInfo(
    "gpt",
    "lessons/gpt.py",
    "Attention that writes",
    ":material/edit_note:",
    "A small GPT-style model trained here writes text one word at a time: its next-word chances, "
    "attention that only looks back, and heads you can watch form.",
)
COST = PageInfo(
    "cost",
    "lessons/cost.py",
    "Cost of attention",
    ":material/speed:",
    "Time and memory of the older models and of attention as sentences grow, measured on this machine.",
)

LESSONS = [WHY, STATIC, FIRST_PRINCIPLES, POSITIONAL, QKV, MULTI_HEAD, TRAIN, REAL_MODEL, GPT, COST]
