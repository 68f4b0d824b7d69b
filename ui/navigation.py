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
    "What RNNs and LSTMs could not do: one word per step, one small memory, early words fading "
    "— measured with autograd.",
)
STATIC = PageInfo(
    "static",
    "lessons/static_embeddings.py",
    "Static embeddings",
    ":material/scatter_plot:",
    "Words as vectors: one-hot vs dense, similarity, king − man + woman, and why "
    "'bank' has one vector whatever the sentence.",
)
FIRST_PRINCIPLES = PageInfo(
    "fp",
    "lessons/first_principles.py",
    "First-principles attention",
    ":material/hub:",
    "Attention with no parameters at all: scores = E·Eᵀ, softmax by row, outputs = "
    "weights·E — every number on screen, editable.",
)
POSITIONAL = PageInfo(
    "pe",
    "lessons/positional_encoding.py",
    "Positional encoding",
    ":material/format_list_numbered:",
    "Attention ignores order until we add sinusoidal positions: the cat/mat permutation test.",
)
QKV = PageInfo(
    "qkv",
    "lessons/qkv.py",
    "Queries, keys, values",
    ":material/key:",
    "Learned W_q, W_k, W_v, every intermediate matrix, the causal mask, and the √d_k experiment.",
)
MULTI_HEAD = PageInfo(
    "mha",
    "lessons/multi_head.py",
    "Multi-head attention",
    ":material/view_column:",
    "Several heads side by side, concatenated and projected; stacked layers; checked against PyTorch.",
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
    "All-MiniLM-L6-v2: 6 layers × 12 heads of real attention, 'it' → 'animal', static vs "
    "contextual 'bank', and one head rebuilt from its weights.",
)
GPT = PageInfo(
    "gpt",
    "lessons/gpt.py",
    "Attention that writes",
    ":material/edit_note:",
    "A small GPT-style decoder trained here: next-word probabilities with temperature, top-k and top-p, "
    "causal attention writing text, the KV cache, and heads you can watch form.",
)
COST = PageInfo(
    "cost",
    "lessons/cost.py",
    "Cost of attention",
    ":material/speed:",
    "Time and memory of RNN vs attention as n grows, measured here, with fitted exponents and "
    "the paper's complexity table.",
)

LESSONS = [WHY, STATIC, FIRST_PRINCIPLES, POSITIONAL, QKV, MULTI_HEAD, TRAIN, REAL_MODEL, GPT, COST]
